"""`lamina serve`: a local server that speaks AWS Lambda's REST API (2015-03-31), with SQLite
metadata and a content-addressed code store in a data dir, running functions in Lamina's runtime
pool. Start it with `lamina.emulator.server`."""
