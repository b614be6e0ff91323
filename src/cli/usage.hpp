#pragma once
// What the command line says to a person: the --help layout, options that take one
// of a few words, and parse errors reworded with "did you mean".

#include <CLI/CLI.hpp>

#include <string>
#include <utility>
#include <vector>

namespace sqlmig::cli {

// --help without CLI11's internals: "--progress auto|always|never", "--lock-timeout SECONDS",
// "--wait[=DURATION]"; a command's help also lists the global options it accepts.
class HelpFormatter final : public CLI::Formatter {
public:
    std::string make_help(const CLI::App* app, std::string name, CLI::AppFormatMode mode) const override;
    std::string make_option_name(const CLI::Option* opt, bool is_positional) const override;
    std::string make_option_opts(const CLI::Option* opt) const override;
};

// Lets opt take only one of words: its help shows them as a|b|c, the completion scripts
// offer them, and any other value is the usage error "LABEL must be a, b or c, not 'x'"
// (LABEL: the option's name when empty). Returns opt.
CLI::Option* one_of(CLI::Option* opt, std::vector<std::string> words, std::string label = "");

// The same, for an option whose words map to values: the words are the table's first column.
template <typename T>
CLI::Option* one_of(CLI::Option* opt, const std::vector<std::pair<std::string, T>>& table) {
    std::vector<std::string> words;
    for (const auto& [word, value] : table) {
        words.push_back(word);
    }
    opt->transform(CLI::CheckedTransformer(table));
    return one_of(opt, std::move(words));  // inserted before the transformer: its message wins
}

// Refuses an empty value ("--scratch-url ''" would otherwise mean "not given"). Returns opt.
CLI::Option* non_empty(CLI::Option* opt);

// The words of an option made with one_of; empty for any other option.
const std::vector<std::string>& choices_of(const CLI::Option* opt);

// "a, b or c".
std::string or_list(const std::vector<std::string>& words);

// CLI11's parse error as one sqlmig sentence (no "sqlmig: error: " prefix): unknown
// commands and options with the nearest known one, the words of other tools pointed
// to sqlmig's, and the way to the help.
std::string usage_message(const CLI::App& app, const CLI::ParseError& e);

}  // namespace sqlmig::cli
