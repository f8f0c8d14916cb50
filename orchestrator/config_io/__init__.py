"""Reading and writing the reference YAML configuration (docs/CONFIG.md).

``importing.config_import`` puts a parsed document into the database (atomic, idempotent);
``exporting.config_export`` writes the database back in the same format; ``yaml_format`` is the
YAML dialect with ``!secret`` and ``!yolo``. The ``import_config``/``export_config`` management
commands are thin adapters over these. docs/CONFIG.md describes the format and the decisions.
"""
