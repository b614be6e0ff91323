// completion: shell completion scripts for bash, zsh and fish, generated from the
// CLI definitions (so a new command or option completes without editing a script),
// and the hidden helper `sqlmig __complete` that the scripts call for what only the
// project knows: its versions and its [env.NAME] names. The helper never connects to
// a server; a SQLite database, a local file, is read to tell applied from pending.

#include <memory>
#include <algorithm>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/usage.hpp"
#include "engine/inspect.hpp"

namespace sqlmig::cli {

using namespace engine;

namespace {

// What a value or an operand completes to.
enum class Values { none, words, files, envs, versions, pending, applied };

struct Completion {
    Values values = Values::none;
    std::vector<std::string> words;  // Values::words; or one word offered with the versions (head, base)
};

struct OptionSpec {
    std::vector<std::string> names;  // --sql, -q
    bool takes_value = false;        // --dir DIR (not --wait[=D], a flag)
    std::string help;
    Completion value;
};

struct CommandSpec {
    std::string path;  // "up", "fleet up"
    std::string help;
    std::vector<OptionSpec> options;       // its own, its parents' and the global ones
    std::vector<std::string> subcommands;  // fleet: up down status ...
    Completion operand;
};

// What a command's positional argument completes to.
Completion operand_of(const std::string& path, const CLI::App& app) {
    for (const CLI::Option* o : app.get_options([](const CLI::Option* o) { return o->get_positional(); })) {
        if (!choices_of(o).empty()) {
            return {Values::words, choices_of(o)};  // completion bash|zsh|fish
        }
    }
    if (path == "up" || path == "stamp" || path == "impact") {
        return {Values::pending, {"head"}};
    }
    if (path == "down") {
        return {Values::applied, {"base"}};
    }
    if (path == "fleet up") {
        return {Values::versions, {"head"}};  // each target is at its own version
    }
    if (path == "fleet down") {
        return {Values::versions, {"base"}};
    }
    if (path == "restore" || path == "lint" || path == "fleet report") {
        return {Values::files, {}};
    }
    return {};
}

// What an option's value completes to: the words it takes, a file, an [env.NAME], a version.
Completion value_of(const std::string& path, const CLI::Option& o) {
    if (!choices_of(&o).empty()) {
        return {Values::words, choices_of(&o)};
    }
    const std::string type = o.get_type_name().substr(0, o.get_type_name().find(':'));
    if (o.check_lname("env")) {
        return {Values::envs, {}};
    }
    if (type == "FILE" || type == "DIR") {
        return {Values::files, {}};
    }
    if (type == "VERSION") {
        return {path == "history" ? Values::applied : Values::versions, {}};
    }
    return {};
}

void add_options_of(const std::string& path, const CLI::App& app, std::vector<OptionSpec>& out) {
    for (const CLI::Option* o : app.get_options()) {
        OptionSpec spec;
        for (const auto& l : o->get_lnames()) {
            spec.names.push_back("--" + l);
        }
        for (const auto& s : o->get_snames()) {
            spec.names.push_back("-" + s);
        }
        const auto same = [&spec](const OptionSpec& other) { return other.names == spec.names; };
        if (spec.names.empty() || std::find_if(out.begin(), out.end(), same) != out.end()) {
            continue;  // a positional argument, or --help met again in a parent
        }
        spec.takes_value = o->get_items_expected_min() > 0;
        spec.help = o->get_description();
        spec.value = value_of(path, *o);
        out.push_back(std::move(spec));
    }
}

bool visible(const CLI::App* sub) {
    return !sub->get_group().empty();  // not the hidden __complete
}

// Every command, nested ones ("fleet up") after their parent; global: the options of sqlmig itself.
void add_commands(const CLI::App& app, const std::string& prefix, std::vector<CommandSpec>& out) {
    for (const CLI::App* sub : app.get_subcommands(visible)) {
        CommandSpec spec{prefix + sub->get_name(), sub->get_description(), {}, {}, {}};
        for (const CLI::App* a = sub; a != nullptr; a = a->get_parent()) {
            add_options_of(spec.path, *a, spec.options);  // a command takes its parents' options (fallthrough)
        }
        for (const CLI::App* s : sub->get_subcommands(visible)) {
            spec.subcommands.push_back(s->get_name());
        }
        spec.operand = operand_of(spec.path, *sub);
        const std::string nested = spec.path + " ";
        out.push_back(std::move(spec));
        add_commands(*sub, nested, out);
    }
}

std::string joined(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words) {
        out += (out.empty() ? "" : " ") + w;
    }
    return out;
}

std::string all_names(const std::vector<OptionSpec>& options) {
    std::vector<std::string> names;
    for (const auto& o : options) {
        names.insert(names.end(), o.names.begin(), o.names.end());
    }
    return joined(names);
}

std::string valued_names(const std::vector<OptionSpec>& options) {
    std::vector<std::string> names;
    for (const auto& o : options) {
        if (o.takes_value) {
            names.insert(names.end(), o.names.begin(), o.names.end());
        }
    }
    return joined(names);
}

const char* helper_query(Values values) {
    switch (values) {
    case Values::pending: return "pending";
    case Values::applied: return "applied";
    case Values::versions: return "versions";
    case Values::envs: return "envs";
    case Values::none:
    case Values::words:
    case Values::files: return "";
    }
    return "";
}

// The bash statement that completes "$cur" as c says; "" when nothing is offered.
std::string bash_reply(const Completion& c) {
    switch (c.values) {
    case Values::none: return "";
    case Values::words: return "COMPREPLY=($(compgen -W \"" + joined(c.words) + "\" -- \"$cur\"))";
    case Values::files: return "COMPREPLY=($(compgen -f -- \"$cur\"))";
    case Values::envs:
    case Values::versions:
    case Values::pending:
    case Values::applied:
        return std::string("COMPREPLY=($(compgen -W \"$(sqlmig __complete ") + helper_query(c.values) +
               " 2>/dev/null)" + (c.words.empty() ? "" : " " + joined(c.words)) + "\" -- \"$cur\"))";
    }
    return "";
}

// A shell function printing one line per command path: case "$1" in "fleet up") echo ... ;; esac.
std::string bash_table(const std::string& function, const std::string& comment,
                       const std::vector<std::pair<std::string, std::string>>& rows) {
    std::string s = function + "() {  # " + comment + "\n    case \"$1\" in\n";
    for (const auto& [path, words] : rows) {
        if (!words.empty()) {
            s += "        \"" + path + "\") echo \"" + words + "\" ;;\n";
        }
    }
    return s + "    esac\n}\n";
}

std::string bash_script(const std::vector<OptionSpec>& global, const std::vector<CommandSpec>& commands) {
    std::vector<std::pair<std::string, std::string>> subcommands, options, valued;
    std::vector<std::string> top;
    subcommands.emplace_back("", "");
    options.emplace_back("", all_names(global));
    valued.emplace_back("", valued_names(global));
    for (const auto& c : commands) {
        if (c.path.find(' ') == std::string::npos) {
            top.push_back(c.path);
        }
        subcommands.emplace_back(c.path, joined(c.subcommands));
        options.emplace_back(c.path, all_names(c.options));
        valued.emplace_back(c.path, valued_names(c.options));
    }
    subcommands.front().second = joined(top);
    std::string s = "# bash completion for sqlmig; generated by 'sqlmig completion bash' from its command "
                    "definitions.\n";
    s += bash_table("_sqlmig_commands", "the commands after the command path $1 (\"\" for sqlmig itself)", subcommands);
    s += bash_table("_sqlmig_options", "the options after the command path $1", options);
    s += bash_table("_sqlmig_valued", "those of them that take a value", valued);
    // The values of options: a command's own first, then the global ones, for any path.
    s += "_sqlmig_value() {  # completes \"$cur\", the value of option $2 after the command path $1\n"
         "    case \"$1 $2\" in\n";
    for (const auto& c : commands) {
        for (const auto& o : c.options) {
            const bool is_global = std::find_if(global.begin(), global.end(), [&o](const OptionSpec& g) {
                                       return g.names == o.names;
                                   }) != global.end();
            if (const std::string reply = bash_reply(o.value); o.takes_value && !is_global && !reply.empty()) {
                for (const auto& name : o.names) {
                    s += "        \"" + c.path + " " + name + "\") " + reply + " ;;\n";
                }
            }
        }
    }
    for (const auto& o : global) {
        if (const std::string reply = bash_reply(o.value); o.takes_value && !reply.empty()) {
            for (const auto& name : o.names) {
                s += "        *\" " + name + "\") " + reply + " ;;\n";
            }
        }
    }
    s += "    esac\n}\n"
         "_sqlmig_operand() {  # completes \"$cur\", an argument of the command path $1\n"
         "    case \"$1\" in\n";
    for (const auto& c : commands) {
        if (const std::string reply = bash_reply(c.operand); !reply.empty()) {
            s += "        \"" + c.path + "\") " + reply + " ;;\n";
        }
    }
    s += "    esac\n}\n"
         "_sqlmig() {\n"
         "    local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
         "    local path=\"\" i w option=\"\"\n"
         "    # The command path (\"fleet up\"): the words that are not options or their values.\n"
         "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
         "        w=\"${COMP_WORDS[i]}\"\n"
         "        if [[ \" $(_sqlmig_valued \"$path\") \" == *\" $w \"* ]]; then\n"
         "            ((i++)); [[ \"${COMP_WORDS[i]}\" == \"=\" ]] && ((i++)); continue\n"
         "        fi\n"
         "        [[ \"$w\" == -* || \"$w\" == \"=\" ]] && continue\n"
         "        if [[ -z \"$path\" ]]; then path=\"$w\"\n"
         "        elif [[ \" $(_sqlmig_commands \"$path\") \" == *\" $w \"* ]]; then path=\"$path $w\"; fi\n"
         "    done\n"
         "    if [[ \"$prev\" == \"=\" && $COMP_CWORD -ge 2 ]]; then  # --color=al\n"
         "        option=\"${COMP_WORDS[COMP_CWORD-2]}\"\n"
         "    elif [[ \" $(_sqlmig_valued \"$path\") \" == *\" $prev \"* ]]; then option=\"$prev\"; fi\n"
         "    if [[ -n \"$option\" ]]; then _sqlmig_value \"$path\" \"$option\"; return; fi\n"
         "    if [[ \"$cur\" == -* ]]; then\n"
         "        COMPREPLY=($(compgen -W \"$(_sqlmig_options \"$path\")\" -- \"$cur\")); return\n"
         "    fi\n"
         "    local commands=\"$(_sqlmig_commands \"$path\")\"\n"
         "    if [[ -n \"$commands\" ]]; then COMPREPLY=($(compgen -W \"$commands\" -- \"$cur\")); return; fi\n"
         "    _sqlmig_operand \"$path\"\n"
         "}\n"
         "complete -F _sqlmig sqlmig\n";
    return s;
}

std::string zsh_script(const std::vector<OptionSpec>& global, const std::vector<CommandSpec>& commands) {
    return "#compdef sqlmig\n"
           "# zsh completion for sqlmig; generated by 'sqlmig completion zsh': the bash function, through\n"
           "# zsh's bashcompinit.\n"
           "autoload -U +X bashcompinit && bashcompinit\n" +
           bash_script(global, commands);
}

std::string fish_quoted(const std::string& s) {
    std::string out = "'";
    for (const char c : s) {
        if (c == '\'' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    return out + "'";
}

// The fish arguments that complete c: -a 'words' or -F; "" when nothing is offered.
std::string fish_reply(const Completion& c) {
    switch (c.values) {
    case Values::none: return "";
    case Values::words: return " -a " + fish_quoted(joined(c.words));
    case Values::files: return " -F";
    case Values::envs:
    case Values::versions:
    case Values::pending:
    case Values::applied:
        return " -a " + fish_quoted(std::string("(sqlmig __complete ") + helper_query(c.values) + " 2>/dev/null)" +
                                    (c.words.empty() ? "" : " " + joined(c.words)));
    }
    return "";
}

std::string fish_option(const std::string& condition, const OptionSpec& o) {
    std::string line = "complete -c sqlmig -n " + fish_quoted(condition);
    for (const auto& name : o.names) {
        line += name.starts_with("--") ? " -l " + name.substr(2) : " -s " + name.substr(1);
    }
    if (o.takes_value) {
        const std::string reply = fish_reply(o.value);
        line += " -r" + (reply == " -F" ? reply : " -f" + reply);
    }
    return line + " -d " + fish_quoted(o.help) + "\n";
}

// The fish condition that holds after the command path: "up" but not "fleet up".
std::string fish_condition(const std::string& path, const std::vector<CommandSpec>& commands) {
    const std::size_t space = path.find(' ');
    if (space != std::string::npos) {
        return "__fish_seen_subcommand_from " + path.substr(0, space) + "; and __fish_seen_subcommand_from " +
               path.substr(space + 1);
    }
    std::string condition = "__fish_seen_subcommand_from " + path;
    for (const auto& c : commands) {
        if (!c.subcommands.empty() && c.path != path) {
            condition += "; and not __fish_seen_subcommand_from " + c.path;  // fleet up is not up
        }
    }
    return condition;
}

std::string fish_script(const std::vector<OptionSpec>& global, const std::vector<CommandSpec>& commands) {
    std::vector<std::string> top;
    for (const auto& c : commands) {
        if (c.path.find(' ') == std::string::npos) {
            top.push_back(c.path);
        }
    }
    std::string s = "# fish completion for sqlmig; generated by 'sqlmig completion fish' from its command definitions.\n"
                    "complete -c sqlmig -f\n";
    for (const auto& o : global) {
        s += fish_option("true", o);
    }
    for (const auto& c : commands) {
        const std::size_t space = c.path.find(' ');
        const std::string name = c.path.substr(space == std::string::npos ? 0 : space + 1);
        const std::string offered_when =
            space == std::string::npos
                ? "not __fish_seen_subcommand_from " + joined(top)
                : "__fish_seen_subcommand_from " + c.path.substr(0, space) + "; and not __fish_seen_subcommand_from " +
                      joined(std::find_if(commands.begin(), commands.end(), [&](const CommandSpec& p) {
                                 return p.path == c.path.substr(0, space);
                             })->subcommands);
        s += "complete -c sqlmig -n " + fish_quoted(offered_when) + " -a " + name + " -d " + fish_quoted(c.help) + "\n";
        const std::string condition = fish_condition(c.path, commands);
        for (const auto& o : c.options) {
            const bool is_global = std::find_if(global.begin(), global.end(), [&o](const OptionSpec& g) {
                                       return g.names == o.names;
                                   }) != global.end();
            if (!is_global) {
                s += fish_option(condition, o);
            }
        }
        if (const std::string reply = fish_reply(c.operand); !reply.empty()) {
            s += "complete -c sqlmig -n " + fish_quoted(condition) + reply + "\n";
        }
    }
    return s;
}

// The project's versions for `sqlmig __complete`: every version in the folder, and,
// when the database is a local SQLite file that exists, which are applied. A server
// is never contacted: a completion must answer at once.
void print_versions(Context& ctx, const std::string& which) {
    const core::Catalog& catalog = ctx.catalog();
    const auto applied = engine::applied_versions_if_local(ctx);
    for (const auto& m : catalog.migrations) {
        const bool is_applied = applied && applied->count(m.version.canonical()) > 0;
        if (which == "versions" || !applied || (which == "applied") == is_applied) {
            std::cout << m.version.text() << '\n';
        }
    }
}

void run_complete(Context& ctx, const std::string& what) {
    try {
        if (what == "envs") {
            for (const auto& name : ctx.config().env_names) {
                std::cout << name << '\n';
            }
        } else if (what == "versions" || what == "pending" || what == "applied") {
            print_versions(ctx, what);
        }
    } catch (const std::exception&) {
        // a broken folder or config completes to nothing; the command itself will say why
    }
}

}  // namespace

void setup_completion(CLI::App& app, Context& ctx) {
    const auto shell = std::make_shared<std::string>();
    auto* completion = app.add_subcommand("completion", "Print the shell completion script: bash, zsh or fish");
    one_of(completion->add_option("shell", *shell, "The shell to complete for")->required(), {"bash", "zsh", "fish"},
           "the shell");
    completion->callback([&app, shell] {
        std::vector<OptionSpec> global;
        add_options_of("", app, global);
        std::vector<CommandSpec> commands;
        add_commands(app, "", commands);
        std::cout << (*shell == "bash" ? bash_script(global, commands)
                      : *shell == "zsh" ? zsh_script(global, commands)
                                       : fish_script(global, commands));
    });
    const auto what = std::make_shared<std::string>();
    auto* helper = app.add_subcommand("__complete", "What the completion scripts ask: versions, pending, applied, envs");
    helper->group("");  // hidden from --help
    helper->add_option("what", *what)->required();
    helper->callback([&ctx, what] { run_complete(ctx, *what); });
}

}  // namespace sqlmig::cli
