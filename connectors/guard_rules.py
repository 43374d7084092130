"""What the statement guard allows and refuses, as data.

The guard allow-lists statement kinds (see guard.py) and deny-lists functions
by name. Function names are checked in every dialect: sqlglot can read one
dialect's function in another, and a name that is dangerous anywhere is never
needed for answering a question.

pg_sleep / SLEEP / BENCHMARK / randomblob are allowed on purpose: they only
burn time, and every statement runs under an engine-enforced timeout that
cancels it (see the per-engine connectors).

Beyond these names, each connector reads from its own database which
functions the engine marks as changing something (function_policy.py), and
the guard refuses those too unless they are in HARMLESS_VOLATILE. setseed is
not harmless: the seed outlives the rolled-back transaction on a pooled
connection, so it would make later random sampling predictable, and no
question needs it.
"""

from __future__ import annotations

# Exact function names (lower case) that read or write files, run programs,
# reach the network, change session or server state, take locks, or write
# through a side door (sequences, large objects, transaction ids).
FORBIDDEN_FUNCTIONS: frozenset[str] = frozenset(
    {
        # PostgreSQL: server files and programs
        "pg_stat_file", "pg_logdir_ls",
        # PostgreSQL: run SQL given as text (the *_to_xml families are in the suffixes)
        "ts_stat", "ts_rewrite", "crosstab", "crosstab2", "crosstab3", "crosstab4",
        "connectby", "xpath_table",
        # PostgreSQL xml2: XSLT can read files and URLs
        "xslt_process",
        # PostgreSQL: writes and state changes that a read-only transaction lets through
        "set_config", "nextval", "setval", "pg_notify", "pg_terminate_backend",
        "pg_cancel_backend", "pg_reload_conf", "pg_rotate_logfile", "pg_switch_wal",
        "pg_create_restore_point", "pg_promote", "pg_import_system_collations",
        "pg_log_backend_memory_contexts", "pg_extension_config_dump",
        "brin_summarize_new_values", "brin_summarize_range", "brin_desummarize_range",
        "gin_clean_pending_list", "pg_start_backup", "pg_stop_backup",
        "loread", "lowrite",
        # MySQL / MariaDB
        "load_file", "sys_exec", "sys_eval", "sys_get", "sys_set", "get_lock",
        "release_lock", "release_all_locks", "master_pos_wait", "source_pos_wait",
        "master_gtid_wait", "wait_for_executed_gtid_set",
        "wait_until_sql_thread_after_gtids", "set_firewall_mode", "gen_dictionary_load",
        "gen_dictionary_drop", "audit_api_message_emit_udf",
        # SQLite (extensions and the CLI's file functions)
        "load_extension", "readfile", "writefile", "edit", "fts3_tokenizer",
        "zipfile", "zipfile_cds", "fsdir", "sqlar_compress", "sqlar_uncompress",
        # DuckDB: files, other databases, environment, SQL held in strings
        "sniff_csv", "query", "query_table", "getenv", "duckdb_secrets",
        "which_secret", "load_aws_credentials", "sqlite_scan", "sqlite_attach",
        "csv_scan", "json_scan", "to_file", "secret",
        # DuckDB: table functions with side effects (the catalog gives them no stability)
        "json_execute_serialized_sql", "checkpoint", "force_checkpoint", "enable_logging",
        "disable_logging", "enable_profiling", "disable_profiling", "truncate_duckdb_logs",
        "arrow_scan", "arrow_scan_dumb", "pandas_scan", "python_map_function", "write_log",
        # sqlglot's canonical names for some of the above
        "nextvaluefor", "next_value_for", "readcsv", "readparquet",
    }
)

# Names that are harmless in most dialects but reach outside in one:
# DuckDB's glob() lists files, SQLite's glob() is the GLOB operator.
DIALECT_FORBIDDEN_FUNCTIONS: dict[str, frozenset[str]] = {
    "duckdb": frozenset({"glob"}),
}

# Name prefixes refused in every dialect: whole families of the above.
FORBIDDEN_PREFIXES: tuple[str, ...] = (
    "pg_read_", "pg_ls_", "pg_file_", "lo_", "dblink", "txid_",
    "pg_current_xact_id", "pg_advisory", "pg_try_advisory", "pg_stat_reset",
    "pg_create_", "pg_drop_", "pg_copy_", "pg_replication_", "pg_logical_",
    "pg_wal_replay", "pg_backup_",
    "read_", "parquet_", "iceberg_", "delta_", "postgres_", "mysql_",
    "ducklake_", "http_", "st_read",
    "cursor_", "pg_background", "hypopg_",
    # MySQL: replication, keyring, token, audit and masking functions that write (the
    # firewall's mysql_firewall_* are under mysql_)
    "group_replication_", "asynchronous_connection_failover_", "audit_log_", "keyring_",
    "version_tokens_", "service_get_", "service_release_",
    "masking_dictionar",
)

# ... and suffixes: pg_stat_statements_reset and friends; PostgreSQL's
# query_/cursor_/table_/schema_/database_to_xml families, which run SQL given as
# text or read whole tables and schemas by name.
FORBIDDEN_SUFFIXES: tuple[str, ...] = ("_reset", "_to_xml", "_to_xmlschema", "_to_xml_and_xmlschema")

# Functions an engine marks volatile that only read a clock, a random source or
# a size, or only burn time (see above): the catalog rule lets them through.
HARMLESS_VOLATILE: frozenset[str] = frozenset(
    {
        "random", "random_normal", "rand", "randomblob", "clock_timestamp", "timeofday",
        "gen_random_uuid", "uuid", "uuidv4", "uuidv7", "uuid_generate_v1", "uuid_generate_v1mc",
        "uuid_generate_v4", "pg_sleep", "pg_sleep_for", "pg_sleep_until", "sleep_ms",
        "pg_relation_size", "pg_table_size", "pg_indexes_size", "pg_total_relation_size",
        "pg_database_size", "pg_tablespace_size",
        # SQLite full-text search ranking and highlighting: reads of the match
        "bm25", "highlight", "snippet", "offsets", "matchinfo", "match",
    }
)

# PRAGMAs that only report on the schema. Their table-valued forms
# (pragma_table_info(...)) are read-only by SQLite's design and are allowed too.
ALLOWED_PRAGMAS: dict[str, frozenset[str]] = {
    "sqlite": frozenset(
        {
            "table_info", "table_xinfo", "table_list", "index_list", "index_info",
            "index_xinfo", "foreign_key_list", "database_list", "collation_list",
            "function_list", "pragma_list", "compile_options",
        }
    ),
    "duckdb": frozenset(
        {
            "table_info", "show", "show_tables", "show_tables_expanded",
            "show_databases", "database_size", "version", "platform",
            "storage_info", "functions", "collations",
        }
    ),
}

# Words that may stand between EXPLAIN and the statement it explains.
# ANALYZE / ANALYSE are read here only so they can be refused by name:
# they run the statement (conn.explain(analyze=True) does that safely).
EXPLAIN_OPTION_WORDS: frozenset[str] = frozenset(
    {
        "analyze", "analyse", "verbose", "costs", "settings", "buffers", "wal",
        "timing", "summary", "memory", "serialize", "generic_plan", "format",
        "json", "text", "xml", "yaml", "tree", "traditional", "query", "plan",
        "extended", "partitions", "true", "false", "on", "off", "none", "binary",
        "0", "1", "(", ")", ",", "=",
    }
)

# First word of a statement that sqlglot could not parse (exp.Command) ->
# the rule that refuses it. Anything not named here is "unknown_statement".
COMMAND_RULES: dict[str, str] = {
    "call": "procedure_call", "do": "procedure_call", "execute": "procedure_call",
    "exec": "procedure_call", "prepare": "procedure_call", "deallocate": "procedure_call",
    "set": "session_change", "reset": "session_change", "use": "session_change",
    "listen": "session_change", "unlisten": "session_change", "notify": "session_change",
    "discard": "session_change", "load": "extension_load", "install": "extension_load",
    "begin": "transaction_control", "start": "transaction_control",
    "commit": "transaction_control", "rollback": "transaction_control",
    "savepoint": "transaction_control", "release": "transaction_control",
    "end": "transaction_control", "abort": "transaction_control",
    "grant": "privilege_change", "revoke": "privilege_change",
    "copy": "copy", "attach": "attach", "detach": "attach",
    "vacuum": "write_statement", "reindex": "write_statement", "cluster": "write_statement",
    "refresh": "write_statement", "lock": "write_statement", "truncate": "write_statement",
    "replace": "write_statement", "checkpoint": "write_statement", "import": "write_statement",
    "export": "write_statement", "handler": "write_statement", "flush": "write_statement",
    "optimize": "write_statement", "repair": "write_statement", "rename": "write_statement",
    "analyze": "write_statement", "comment": "write_statement", "security": "write_statement",
    "alter": "write_statement", "create": "write_statement", "drop": "write_statement",
    "insert": "write_statement", "update": "write_statement", "delete": "write_statement",
    "merge": "write_statement", "upsert": "write_statement", "kill": "process_control",
    "shutdown": "process_control", "purge": "write_statement", "reassign": "privilege_change",
}


def is_forbidden_function(name: str, dialect: str | None = None) -> bool:
    lowered = name.lower()
    return (
        lowered in FORBIDDEN_FUNCTIONS
        or lowered in DIALECT_FORBIDDEN_FUNCTIONS.get(dialect or "", frozenset())
        or lowered.startswith(FORBIDDEN_PREFIXES)
        or lowered.endswith(FORBIDDEN_SUFFIXES)
    )
