"""The free guide's email gate: leads, their consent log, confirmation links, unsubscribe and export."""
