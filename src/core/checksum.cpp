#include "core/checksum.hpp"

// OpenSSL's SHA256_* functions, not EVP: EVP's provider machinery, linked statically,
// adds 4 MB to the binary and 3.6 ms and 160 page faults to every start (its pointer
// tables must be relocated), and fetching SHA-256 through it costs more than hashing
// a small file. SHA256_* run the same optimised code. OpenSSL 3 marks them deprecated
// in favour of EVP but keeps them; this is the one file that uses them.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include <cstring>

namespace sqlmig::core {

struct Checksummer::Ctx {
    SHA256_CTX sha;
};

Checksummer::Checksummer() : m_ctx(std::make_unique<Ctx>()) {
    SHA256_Init(&m_ctx->sha);
}

Checksummer::~Checksummer() = default;

void Checksummer::hash(std::string_view bytes) {
    if (!bytes.empty()) {
        SHA256_Update(&m_ctx->sha, bytes.data(), bytes.size());
    }
}

void Checksummer::update(std::string_view bytes) {
    constexpr std::string_view bom = "\xEF\xBB\xBF";
    std::string joined;
    if (!m_pending.empty()) {
        joined = m_pending + std::string(bytes);
        m_pending.clear();
        bytes = joined;
    }
    // A BOM counts only at the very start of the file, and may arrive split over calls.
    if (!m_bom_decided) {
        const std::size_t have = std::min(bytes.size(), bom.size());
        if (bytes.substr(0, have) == bom.substr(0, have) && have < bom.size()) {
            std::string held(bytes);
            m_pending.swap(held);
            return;
        }
        m_bom_decided = true;
        if (bytes.substr(0, have) == bom) {
            bytes.remove_prefix(bom.size());
        }
    }
    // CRLF -> LF; a '\r' at the end waits for the next chunk.
    std::size_t run_start = 0;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        const void* cr = std::memchr(bytes.data() + i, '\r', bytes.size() - i);  // CRs are rare: jump
        if (!cr) {
            break;
        }
        i = static_cast<std::size_t>(static_cast<const char*>(cr) - bytes.data());
        if (i + 1 == bytes.size()) {
            hash(bytes.substr(run_start, i - run_start));
            m_pending.assign(1, '\r');  // assign(): GCC 12 warns falsely (-Wrestrict) on = "\r"
            return;
        }
        if (bytes[i + 1] == '\n') {
            hash(bytes.substr(run_start, i - run_start));
            run_start = i + 1;
        }
    }
    hash(bytes.substr(run_start));
}

std::string Checksummer::finish() {
    hash(m_pending);  // a lone final '\r', or a file that is only part of a BOM
    m_pending.clear();
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256_Final(digest, &m_ctx->sha);
    static const char* hex = "0123456789abcdef";
    std::string out(k_checksum_tag);
    for (const unsigned char byte : digest) {
        out += hex[byte >> 4];
        out += hex[byte & 0xF];
    }
    return out;
}

std::string checksum_of(std::string_view bytes) {
    Checksummer c;
    c.update(bytes);
    return c.finish();
}

}  // namespace sqlmig::core
