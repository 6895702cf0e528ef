"""Built-in model plugins, one subpackage per family."""
