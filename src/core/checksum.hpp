#pragma once
// The checksum stored for an applied migration: "sha256:<hex>" of the up
// file's bytes with CRLF turned into LF and a leading UTF-8 BOM removed, so a
// Windows checkout does not look edited. The tag lets the algorithm change one
// day without breaking existing databases.

#include <memory>
#include <string>
#include <string_view>

namespace sqlmig::core {

inline constexpr std::string_view k_checksum_tag = "sha256:";

// Streaming checksum: feed the file in chunks of any size, then finish().
class Checksummer {
public:
    Checksummer();
    ~Checksummer();
    Checksummer(const Checksummer&) = delete;
    Checksummer& operator=(const Checksummer&) = delete;

    void update(std::string_view bytes);
    // Returns "sha256:<64 hex digits>". Call once.
    std::string finish();

private:
    void hash(std::string_view bytes);
    struct Ctx;
    std::unique_ptr<Ctx> m_ctx;
    bool m_bom_decided = false;  // whether the start of the file has been checked for a BOM
    std::string m_pending;       // a held-back '\r', or a partial BOM
};

// The checksum of a whole buffer.
std::string checksum_of(std::string_view bytes);

}  // namespace sqlmig::core
