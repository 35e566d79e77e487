"""The workbook's sheets, one module per sheet or family; report/xlsx.py puts them in order.

Each module turns the AuditResult into its sheet's tables (report/cells.py `Table`) and, where
the sheet is more than one table, writes it (report/xlsx_table.py does the cells).
"""
