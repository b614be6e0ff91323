#pragma once
// What sqlmig's pure core knows of a database's SQL, as one description per database
// (DialectDefinition): the lexical rules that decide where a statement ends, which
// statements cannot run in a transaction, the tracking table's SQL pieces, how its
// snapshot lines name objects, its catalog probes. The core reads the definition; it
// never switches over which database it is, and names none. Each database defines its own
// in its folder (src/db/<name>/dialect.cpp, registered with it: db/dialects.hpp);
// core::Dialect is a cheap handle on one.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sqlmig::core {

enum class StatementKind;  // core/statement_kind.hpp
struct SchemaObject;       // core/drift.hpp
struct CatalogObject;      // core/in_flight.hpp

// How statements with bodies that hold ';' are told apart from their end.
enum class BodyRule {
    psql_begin_end,       // psql: CREATE FUNCTION/PROCEDURE ... BEGIN ATOMIC ... END
    sqlite_trigger,       // sqlite3_complete(): CREATE TRIGGER ... BEGIN ...; END
    mysql_compound,       // CREATE PROCEDURE/FUNCTION/TRIGGER/EVENT ... BEGIN ...; END, IF ... END IF...
};

struct LexicalRules {
    bool nested_block_comments;  // /* a /* b */ c */ is one comment
    bool dollar_quotes;          // $$...$$ and $tag$...$tag$
    bool escape_strings;         // E'...' with backslash escapes
    bool unicode_strings;        // U&'...' and U&"..."
    bool bracket_identifiers;    // [name]
    bool backtick_identifiers;   // `name`
    bool backslash_strings;      // '...' and "..." both strings, with backslash escapes (MySQL)
    bool hash_comments;          // # to the end of the line
    bool dash_comment_needs_space;  // "--" is a comment only when white space or a control character follows
    bool executable_comments;    // /*! ... */, /*M! ... */ and /*+ ... */ are part of the statement
    bool delimiter_command;      // the mysql client's DELIMITER line changes what ends a statement
    BodyRule bodies;
};

// The statement classes (core/statement_kind.cpp) that are not common to every database:
// BEGIN, COMMIT and ROLLBACK are read by the core alike for all.
struct StatementRules {
    // The class of a statement that is not a transaction statement; words are upper case, not empty.
    StatementKind (*classify)(const std::vector<std::string>& words, int server_version);
    // The class of a statement with no word outside comments (MySQL's /*! executable comment */).
    StatementKind without_words;
    // Whether it only changes the session (SET, a connection PRAGMA); words not empty.
    bool (*is_session_setting)(const std::vector<std::string>& words);
    // BEGIN NOT ATOMIC opens a compound statement, not a transaction (MariaDB).
    bool begin_not_atomic;
    // DO only evaluates expressions (MySQL), where PostgreSQL's DO block may COMMIT.
    bool do_evaluates_expressions;
};

// How a string literal holding a backslash is written.
enum class Backslashes { plain, escape_string, hex };

// How the tracking table's SQL is written (core/tracking_sql.cpp).
struct TrackingSql {
    Backslashes backslashes;
    char quote;                 // around identifiers
    const char* key_type;       // of the version column
    const char* text_type;      // of the other text columns
    const char* table_options;  // after CREATE TABLE (...)
    const char* schema_object;  // CREATE <this> IF NOT EXISTS for a schema-qualified table
    const char* upsert_head;    // INSERT INTO, or REPLACE INTO where ON CONFLICT is not SQL
    bool on_conflict;           // append ON CONFLICT (version) DO UPDATE
    const char* sql_type;       // of the stored SQL columns (up to [tracking] store_sql_max bytes)
};

// How names in statements map to the catalog (core/in_flight.cpp).
enum class UnquotedNames { folded_to_lower, as_written };
enum class IndexNames { per_schema, per_table };  // per_table: DROP INDEX i ON t (MySQL)

class Dialect;

struct CatalogRules {
    UnquotedNames unquoted_names;  // PostgreSQL folds; SQLite compares without case, MySQL keeps them
    IndexNames index_names;
    bool database_is_schema;       // CREATE DATABASE makes what CREATE SCHEMA makes (MySQL)
    bool rename_table_statement;   // RENAME TABLE a TO b (MySQL)
    bool pragmas;                  // PRAGMA reads or sets a value (SQLite)
    // A query with one row when the object exists; nullopt when the database has no such object.
    std::optional<std::string> (*object_exists_sql)(const CatalogObject& object);
};

struct DialectDefinition {
    std::string_view name;                      // "postgres": as --dialect and messages name it
    std::span<const std::string_view> aliases;  // other names --dialect accepts ("mariadb")
    LexicalRules lexical;
    StatementRules statements;
    TrackingSql tracking;
    CatalogRules catalog;
    // The object a line of the driver's schema_snapshot() describes (core/drift.cpp), from its
    // first word (the tag) and the rest.
    SchemaObject (*snapshot_object)(std::string_view tag, std::string_view rest);
    // Each table's name and the query reading its rows, ordered by name (core/squash.hpp).
    std::string_view row_queries_sql;
    // Whether lint's rules on PostgreSQL's lock levels apply (core/lint.cpp: index-not-concurrently,
    // the exclusive ALTER TABLE and DROP TABLE rules).
    bool postgres_lock_rules;
};

// A database's dialect: a pointer to its definition, copied freely. Compared by name: a driver
// module (sqlmig-postgres.so) links its own copy of its database's definition.
class Dialect {
public:
    constexpr explicit Dialect(const DialectDefinition& definition) : m_definition(&definition) {}

    constexpr const DialectDefinition& definition() const { return *m_definition; }
    constexpr const DialectDefinition* operator->() const { return m_definition; }
    constexpr std::string_view name() const { return m_definition->name; }
    friend constexpr bool operator==(Dialect a, Dialect b) {
        return a.m_definition == b.m_definition || a.name() == b.name();
    }

private:
    const DialectDefinition* m_definition;
};

const LexicalRules& lexical_rules(Dialect dialect);

// "postgres", "sqlite", "mysql": as --dialect and messages name them (db::dialect_from_name
// finds a registered one by its name or another of its names).
std::string_view dialect_name(Dialect dialect);

}  // namespace sqlmig::core
