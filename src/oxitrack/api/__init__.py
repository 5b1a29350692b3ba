"""HTTP handlers, one module per topic; ``server.py`` lists their routes in one place."""
