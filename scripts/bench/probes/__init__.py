"""Programs the bench runs in the apps, each in a process of its own and in the bench's environment
(its database and settings): `python -m scripts.bench.probes.<name> --option value`. Each prints its
result as one line of JSON, the last line of its output (`common.run_probe` reads it).

Importing this package sets Django up, so that a probe imports the apps at its top like any other
Django module. The bench runner never imports a probe: it runs them.
"""

import django

django.setup()
