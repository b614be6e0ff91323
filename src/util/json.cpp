#include "util/json.hpp"

namespace sqlmig::util {

Json::Json(const Array& a) : m_value(nlohmann::ordered_json::array()) {
    for (const auto& item : a) {
        m_value.push_back(item.m_value);
    }
}

Json Json::object() {
    Json j;
    j.m_value = nlohmann::ordered_json::object();
    return j;
}

Json Json::array() {
    Json j;
    j.m_value = nlohmann::ordered_json::array();
    return j;
}

Json& Json::set(const std::string& key, Json value) {
    m_value[key] = std::move(value.m_value);
    return *this;
}

Json& Json::push(Json value) {
    m_value.push_back(std::move(value.m_value));
    return *this;
}

std::string Json::dump(int indent) const {
    return m_value.dump(indent, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string json_quote(const std::string& s) {
    return Json(s).dump(-1);
}

}  // namespace sqlmig::util
