"""Regulatory triage: where a proposed ML system falls under the EU AI Act, and what follows.

The rules are data (``regulation/definitions/eu_ai_act.yaml``); ``regulation.engine`` applies them
to the answers of the ``eu_ai_act`` questionnaire without importing Django
(docs/methodology.md §12).
"""
