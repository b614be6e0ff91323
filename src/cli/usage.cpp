#include "cli/usage.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <sstream>

#include "util/text.hpp"

namespace sqlmig::cli {

namespace {

// The words of each option made with one_of. Options live as long as the app, which
// is built once per process on the main thread.
std::map<const CLI::Option*, std::vector<std::string>>& choice_registry() {
    static std::map<const CLI::Option*, std::vector<std::string>> registry;
    return registry;
}

// The option's type name without the descriptions CLI11 appends for its validators
// ("SECONDS:SECONDS", "WHEN:value in {...}").
std::string plain_type_name(const CLI::Option* opt) {
    const std::string full = opt->get_type_name();
    return full.substr(0, full.find(':'));
}

const CLI::App* root_of(const CLI::App* app) {
    while (app->get_parent() != nullptr) {
        app = app->get_parent();
    }
    return app;
}

}  // namespace

std::string or_list(const std::vector<std::string>& words) {
    std::string out;
    for (std::size_t i = 0; i < words.size(); ++i) {
        out += (i == 0 ? "" : i + 1 == words.size() ? " or " : ", ") + words[i];
    }
    return out;
}

CLI::Option* one_of(CLI::Option* opt, std::vector<std::string> words, std::string label) {
    if (label.empty()) {
        label = opt->get_name();
    }
    std::string text;
    for (const auto& w : words) {
        text += (text.empty() ? "" : "|") + w;
    }
    opt->option_text(text);
    // A transform runs before the option's other validators and transformers.
    opt->transform(CLI::Validator(
        [words, label](std::string& value) {
            for (const auto& w : words) {
                if (value == w) {
                    return std::string();
                }
            }
            return label + " must be " + or_list(words) + ", not '" + util::printable(value) + "'";
        },
        ""));
    choice_registry()[opt] = std::move(words);
    return opt;
}

CLI::Option* non_empty(CLI::Option* opt) {
    opt->check(CLI::Validator([](const std::string& value) { return value.empty() ? "must not be empty" : ""; }, ""));
    return opt;
}

const std::vector<std::string>& choices_of(const CLI::Option* opt) {
    static const std::vector<std::string> none;
    const auto it = choice_registry().find(opt);
    return it == choice_registry().end() ? none : it->second;
}

std::string HelpFormatter::make_option_name(const CLI::Option* opt, bool is_positional) const {
    if (is_positional) {
        return opt->get_name(true, false);
    }
    std::string out;
    for (const auto& s : opt->get_snames()) {
        out += (out.empty() ? "-" : ", -") + s;
    }
    for (const auto& l : opt->get_lnames()) {
        out += (out.empty() ? "--" : ", --") + l;  // never CLI11's "--wait{60s}"
    }
    return out;
}

std::string HelpFormatter::make_option_opts(const CLI::Option* opt) const {
    const std::string& text = opt->get_option_text();
    std::string out;
    if (!text.empty()) {
        out = (text.starts_with("[=") ? "" : " ") + text;  // --wait[=DURATION]
    } else if (opt->get_type_size() != 0) {
        const std::string type = plain_type_name(opt);
        if (!type.empty() && !opt->get_positional()) {  // not "target TEXT"
            out += " " + type;
        }
        if (opt->get_expected_max() == CLI::detail::expected_max_vector_size) {
            out += " ...";
        }
    }
    return out + (opt->get_required() ? " (required)" : "");
}

std::string HelpFormatter::make_help(const CLI::App* app, std::string name, CLI::AppFormatMode mode) const {
    std::string out = CLI::Formatter::make_help(app, std::move(name), mode);
    if (mode != CLI::AppFormatMode::Normal || app->get_parent() == nullptr) {
        return out;
    }
    // A command accepts the global options after it (fallthrough): list them too.
    const CLI::App* root = root_of(app);
    const auto globals = root->get_options([root](const CLI::Option* o) {
        return o->nonpositional() && o != root->get_help_ptr() && o != root->get_version_ptr();
    });
    while (out.ends_with("\n\n")) {
        out.pop_back();
    }
    return out + make_group("Global options (before or after the command)", false, globals) + "\n";
}

namespace {

// Words other tools use for what sqlmig calls otherwise (golang-migrate, goose, dbmate,
// Flyway, sql-migrate, Alembic), with a note where the match is not exact.
struct OtherToolsWord {
    const char* word;
    const char* ours;
    const char* note;
};

constexpr OtherToolsWord k_other_tools_words[] = {
    {"migrate", "up", ""},
    {"apply", "up", ""},
    {"upgrade", "up", ""},
    {"up-to", "up VERSION", ""},
    {"up-by-one", "up +1", ""},
    {"rollback", "down", ""},
    {"downgrade", "down", ""},
    {"undo", "down", ""},
    {"down-to", "down VERSION", ""},
    {"reset", "down base", ""},
    {"goto", "up VERSION' or 'down VERSION", ""},
    {"info", "status", ""},
    {"baseline", "stamp", ""},
    {"force", "stamp", "; to clear a failed mark, 'repair'"},
    {"create", "new", ""},
    {"generate", "new", ""},
    {"version", "current", "; sqlmig's own version is 'sqlmig --version'"},
    {"help", "--help", ""},
};

// The visible subcommands of app (not the hidden __complete).
std::vector<std::string> command_names(const CLI::App& app) {
    std::vector<std::string> names;
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App* s) { return !s->get_group().empty(); })) {
        names.push_back(sub->get_name());
    }
    return names;
}

// The commands given, outermost first: sqlmig, fleet, up.
std::vector<const CLI::App*> chain_of(const CLI::App& app) {
    std::vector<const CLI::App*> chain = {&app};
    while (!chain.back()->get_subcommands().empty()) {
        chain.push_back(chain.back()->get_subcommands().front());
    }
    return chain;
}

// "sqlmig fleet up".
std::string path_of(const std::vector<const CLI::App*>& chain) {
    std::string out;
    for (const CLI::App* a : chain) {
        out += (out.empty() ? "" : " ") + a->get_name();
    }
    return out;
}

void add_option_names(const CLI::App& app, std::vector<std::string>& names) {
    for (const CLI::Option* o : app.get_options()) {
        for (const auto& l : o->get_lnames()) {
            names.push_back("--" + l);
        }
        for (const auto& s : o->get_snames()) {
            names.push_back("-" + s);
        }
    }
}

// The commands (as "fleet up") that have the option name.
void commands_with(const CLI::App& app, const std::string& prefix, const std::string& name,
                   std::vector<std::string>& out) {
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App* s) { return !s->get_group().empty(); })) {
        std::vector<std::string> names;
        add_option_names(*sub, names);
        const std::string path = prefix + sub->get_name();
        if (std::find(names.begin(), names.end(), name) != names.end()) {
            out.push_back(path);
        }
        commands_with(*sub, path + " ", name, out);
    }
}

std::string unknown_command(const std::string& word, const CLI::App& at, const std::string& path) {
    const std::vector<std::string> names = command_names(at);
    const std::string shown = "'" + util::printable(word) + "'";
    for (const auto& w : k_other_tools_words) {
        const std::string ours = w.ours;
        const std::string first = ours.substr(0, ours.find(' '));
        const bool exists = ours == "--help" || std::find(names.begin(), names.end(), first) != names.end();
        if (exists && util::to_lower(word) == w.word) {
            return "unknown command " + shown + ": sqlmig calls it '" + ours + "'" + w.note;
        }
    }
    const std::string help = "run '" + path + " --help' for the list";
    if (const std::string near = util::nearest(word, names); !near.empty()) {
        return "unknown command " + shown + "; did you mean '" + near + "'? (" + help + ")";
    }
    return "unknown command " + shown + "; " + help;
}

std::string unknown_option(const std::string& arg, const CLI::App& app) {
    const std::string name = arg.substr(0, arg.find('='));
    const auto chain = chain_of(app);
    const std::string path = path_of(chain);
    const std::string shown = "'" + util::printable(name) + "'";
    std::vector<std::string> here;
    for (const CLI::App* a : chain) {
        add_option_names(*a, here);
    }
    std::vector<std::string> owners;
    commands_with(app, "", name, owners);
    const std::string command = path.substr(path.find(' ') + 1);  // "fleet up"
    if (chain.size() > 1 && std::find(owners.begin(), owners.end(), command) != owners.end()) {
        // The command has it, so it came before the command: sqlmig --no-backup up.
        return "the option " + shown + " goes after its command: " + path + " " + util::printable(name);
    }
    if (!owners.empty()) {
        if (chain.size() == 1) {
            return "the option " + shown + " goes after its command (" + or_list(owners) + "): sqlmig " +
                   owners.front() + " " + util::printable(name);
        }
        return "'" + path + "' has no option " + shown + "; it is an option of " + or_list(owners);
    }
    const std::string help = "run '" + path + " --help' for usage";
    if (const std::string near = util::nearest(name, here); !near.empty()) {
        return "unknown option " + shown + "; did you mean '" + near + "'? (" + help + ")";
    }
    return "unknown option " + shown + "; " + help;
}

// "--color: --color must be ..." from a validator that wrote the whole sentence, or
// "--lock-timeout: must be ..." that needs only its subject: one sentence either way.
std::string validation_message(const std::string& message) {
    const std::size_t colon = message.find(": ");
    if (colon == std::string::npos) {
        return message;
    }
    const std::string name = message.substr(0, colon);
    const std::string rest = message.substr(colon + 2);
    if (rest.starts_with(name + " ") || rest.starts_with("the ")) {
        return rest;
    }
    return rest.starts_with("must ") ? name + " " + rest : message;
}

// "--color: 1 required TEXT missing" (the option ends the line) as "--color needs a value: auto, always or never".
std::string missing_value(const std::string& message, const std::vector<const CLI::App*>& chain) {
    const std::string name = message.substr(0, message.find(": "));
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
        if (const CLI::Option* opt = (*it)->get_option_no_throw(name)) {
            const auto& words = choices_of(opt);
            const std::string type = opt->get_type_name().substr(0, opt->get_type_name().find(':'));
            return name + " needs a value" + (!words.empty() ? ": " + or_list(words)
                                              : type.empty() ? std::string() : " (" + type + ")");
        }
    }
    return message;
}

}  // namespace

std::string usage_message(const CLI::App& app, const CLI::ParseError& e) {
    const auto chain = chain_of(app);
    const std::string path = path_of(chain);
    std::string message = e.what();
    const std::vector<std::string> rest = app.remaining(true);
    // By type: an ExtrasError of a command carries the command's name as get_name().
    if (dynamic_cast<const CLI::RequiredError*>(&e) && message.find("subcommand") != std::string::npos) {
        for (const auto& arg : rest) {
            if (arg.starts_with("-")) {
                return unknown_option(arg, app);  // sqlmig --databse x up: the option comes first
            }
            return unknown_command(arg, *chain.back(), path);
        }
        return chain.size() == 1 ? "a command is required (up, down, status, ...); run 'sqlmig --help' for the list"
                                 : "'" + path + "' needs a command: " + or_list(command_names(*chain.back())) +
                                       "; run '" + path + " --help' for usage";
    }
    if (dynamic_cast<const CLI::ExtrasError*>(&e) && !rest.empty()) {
        if (rest.front().starts_with("-")) {
            return unknown_option(rest.front(), app);
        }
        return "unexpected argument '" + util::printable(rest.front()) + "' after '" + path + "'; run '" + path +
               " --help' for usage";
    }
    if (dynamic_cast<const CLI::ValidationError*>(&e)) {
        message = validation_message(message);
    }
    if (dynamic_cast<const CLI::ArgumentMismatch*>(&e) && message.ends_with(" missing")) {
        message = missing_value(message, chain);
    }
    if (!message.empty()) {
        message[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(message[0])));
    }
    return util::printable(message) + "; run '" + path + " --help' for usage";
}

}  // namespace sqlmig::cli
