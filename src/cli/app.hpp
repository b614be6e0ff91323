#pragma once
// Builds the command line and runs it: the only entry point main() needs.

namespace sqlmig::cli {

// Parses argv, runs the command, and returns the process exit code. Never throws.
int run(int argc, char** argv);

}  // namespace sqlmig::cli
