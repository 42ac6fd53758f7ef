"""Writers of validation results: text, json and csv (issue 3 adds xlsx and html)."""
