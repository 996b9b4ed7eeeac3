"""Invoices, credit notes and packing slips: the documents, their PDFs and the customer's pages."""
