#include "core/script_splitter.hpp"

namespace sqlmig::core {

namespace {

constexpr std::string_view k_bom = "\xEF\xBB\xBF";

std::uint32_t characters(std::string_view bytes) {
    std::uint32_t n = 0;
    for (const char c : bytes) {
        n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
    }
    return n;
}

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

}  // namespace

ScriptSplitter::ScriptSplitter(Dialect dialect, Format format, Section section)
    : m_dialect(dialect),
      m_whole(section == Section::whole || !has_sections(format)),
      m_sections(m_whole ? Format::sqlmig : format, section),
      m_splitter(std::make_unique<SqlSplitter>(dialect)) {}

void ScriptSplitter::feed(std::string_view bytes) {
    if (m_whole) {
        m_sum.update(bytes);
        m_splitter->feed(bytes);
        return;
    }
    feed_lines(bytes);
}

void ScriptSplitter::feed_lines(std::string_view bytes) {
    while (!bytes.empty()) {
        const std::size_t newline = bytes.find('\n');
        if (newline == std::string_view::npos) {
            m_partial.append(bytes);
            return;
        }
        if (m_partial.empty()) {
            on_line(bytes.substr(0, newline));
        } else {
            m_partial.append(bytes.substr(0, newline));
            on_line(m_partial);
            m_partial.clear();
        }
        bytes.remove_prefix(newline + 1);
    }
}

void ScriptSplitter::on_line(std::string_view raw) {
    ++m_line;
    std::string_view line = raw;
    if (m_line == 1 && line.substr(0, k_bom.size()) == k_bom) {
        line.remove_prefix(k_bom.size());
    }
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }
    const LineRole role = m_sections.next_line(line);
    if (m_sections.counts()) {
        m_sum.update(line);
        m_sum.update("\n");
    }
    switch (role) {
    case LineRole::sql:
        if (!m_splitter) {
            if (!m_block_started) {
                const std::size_t text = line.find_first_not_of(" \t\v\f");
                if (text == std::string_view::npos) {
                    return;
                }
                m_block_start = Position{m_line, characters(line.substr(0, text)) + 1};
                m_block_started = true;
            }
            m_block.append(line);
            m_block += '\n';
            return;
        }
        m_splitter->feed(line);
        m_splitter->feed("\n");
        return;
    case LineRole::other:
        if (m_splitter) {
            m_splitter->feed("\n");
        }
        return;
    case LineRole::block_begin:
        close_splitter();
        return;
    case LineRole::block_end:
        // A block may end here without having begun in this section (sql-migrate's StatementBegin
        // in the other section, then Down): what the splitter holds comes first.
        close_splitter();
        emit_block();
        m_splitter = std::make_unique<SqlSplitter>(m_dialect, Position{m_line + 1, 1});
        return;
    }
}

// Everything before a StatementBegin is complete: the block is a statement of its own.
void ScriptSplitter::close_splitter() {
    if (!m_splitter) {
        return;
    }
    m_splitter->finish();
    while (auto s = m_splitter->next()) {
        m_ready.push_back(std::move(*s));
    }
    if (!m_unterminated && m_splitter->unterminated()) {
        m_unterminated = m_splitter->unterminated();
    }
    m_splitter.reset();
    m_block.clear();
    m_block_started = false;
}

void ScriptSplitter::emit_block() {
    std::string text = std::move(m_block);
    m_block.clear();
    m_block_started = false;
    while (!text.empty() && is_blank(text.back())) {
        text.pop_back();
    }
    if (!text.empty() && text.back() == ';') {
        text.pop_back();  // as SqlSplitter leaves the terminating ';' out
    }
    if (text.empty()) {
        return;
    }
    Statement block;
    SqlSplitter words(m_dialect);
    words.feed(text);
    words.finish();
    if (auto first = words.next()) {
        block.words = std::move(first->words);
    }
    block.text = std::move(text);
    block.start = m_block_start;
    m_ready.push_back(std::move(block));
}

void ScriptSplitter::finish() {
    if (!m_whole && !m_partial.empty()) {
        const std::string last = std::move(m_partial);
        m_partial.clear();
        on_line(last);
    }
    if (!m_whole) {
        m_sections.finish();
    }
    if (!m_splitter) {
        return;  // the file ended inside a block, which section_problem() reports
    }
    m_splitter->finish();
}

std::optional<Statement> ScriptSplitter::next() {
    if (!m_ready.empty()) {
        Statement s = std::move(m_ready.front());
        m_ready.pop_front();
        return s;
    }
    if (!m_splitter) {
        return std::nullopt;
    }
    auto s = m_splitter->next();
    if (!s && !m_unterminated && m_splitter->unterminated()) {
        m_unterminated = m_splitter->unterminated();
    }
    return s;
}

}  // namespace sqlmig::core
