"""The dashboard: trend charts per school and a board view across schools, from aggregate counts only.

``dashboards.build.write_dashboard(config, store, out_dir=None)`` writes a self-contained ``index.html`` (works
offline, from a file share, without a CDN), ``weekly.csv`` and PNG charts; ``monitor dashboard`` calls it.
"""
