"""MLFit's domain: the vocabulary every app and engine shares, in plain Python.

The bottom of the import order (pyproject.toml's import contracts): it imports nothing from the
apps and nothing from Django, so the engines, the models and the forms can all read the one
definition of a dimension, a verdict, an approach profile or a requirement's target.

- ``vocabulary``: requirement dimensions, their values, and the verdicts, with their labels;
- ``approaches``: the candidate approach profile, its loader and the detector's view of it;
- ``targets``: a requirement read as the values it allows;
- ``yamlcheck``: the strict readers every YAML definition is checked with;
- ``hashing``: the content hash that versions a definition.
"""
