#include "core/checksum.hpp"

#include <openssl/evp.h>

#include <cstring>
#include <stdexcept>

namespace sqlmig::core {

struct Checksummer::Ctx {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md{EVP_MD_CTX_new(), &EVP_MD_CTX_free};
};

namespace {

// SHA-256 fetched from OpenSSL's provider once: EVP_sha256() makes every
// EVP_DigestInit_ex look it up again, which costs more than hashing a small file.
const EVP_MD* sha256() {
    static const std::unique_ptr<EVP_MD, decltype(&EVP_MD_free)> md{EVP_MD_fetch(nullptr, "SHA256", nullptr),
                                                                      &EVP_MD_free};
    return md.get();
}

}  // namespace

Checksummer::Checksummer() : m_ctx(std::make_unique<Ctx>()) {
    if (!m_ctx->md || !sha256() || EVP_DigestInit_ex(m_ctx->md.get(), sha256(), nullptr) != 1) {
        throw std::runtime_error("cannot initialise SHA-256 (OpenSSL)");
    }
}

Checksummer::~Checksummer() = default;

void Checksummer::hash(std::string_view bytes) {
    if (!bytes.empty()) {
        EVP_DigestUpdate(m_ctx->md.get(), bytes.data(), bytes.size());
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
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(m_ctx->md.get(), digest, &len);
    static const char* hex = "0123456789abcdef";
    std::string out(k_checksum_tag);
    for (unsigned int i = 0; i < len; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 0xF];
    }
    return out;
}

std::string checksum_of(std::string_view bytes) {
    Checksummer c;
    c.update(bytes);
    return c.finish();
}

}  // namespace sqlmig::core
