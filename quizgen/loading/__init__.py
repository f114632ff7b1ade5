"""Loading: YAML files → validated model objects, with every problem located."""
