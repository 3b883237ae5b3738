"""The command line: typer parses, calls the domain and stores, renders. Nothing else."""
