"""Reports: report.json (the contract's schema v1) and what is made from it."""
