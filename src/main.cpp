// sqlmig: applies plain SQL migration files to PostgreSQL and SQLite.
#include "cli/app.hpp"

int main(int argc, char** argv) {
    return sqlmig::cli::run(argc, argv);
}
