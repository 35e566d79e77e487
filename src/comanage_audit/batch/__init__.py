"""`comanage-audit batch`: one run for many customers (a consultant's or MSP's portfolio).

customers.py finds the customers (every immediate subfolder of ROOT) and what applies to each;
worker.py audits one customer with the same pipeline and writers as `audit`; pool.py runs
the workers in parallel processes; run.py stages every output of the batch and puts them in
place together with the portfolio (report/portfolio.py, report/portfolio_xlsx.py).
"""
