"""The MLflow REST adapter: MLflow's wire protocol in, ``modelyard.service`` calls out.

It owns no rules: it parses MLflow requests, calls the same use cases as ``/api/v1``,
and renders MLflow JSON (errors as ``{"error_code", "message"}``).
"""
