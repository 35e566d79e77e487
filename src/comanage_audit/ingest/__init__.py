"""Reading export files and turning their text into typed canonical columns."""
