"""Realistic synthetic exports of a co-management fleet (placeholder until sample.py moves)."""
