#include "pki/pem.h"

#include "crypto/pem.h"

namespace cairn::pki {

Result<std::vector<std::pair<std::string, std::string>>> ParsePemBlocks(std::string_view text) {
  CAIRN_ASSIGN_OR_RETURN(auto blocks, crypto::ParsePemBlocks(text));
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(blocks.size());
  for (auto& b : blocks) out.emplace_back(std::move(b.type), std::move(b.bytes));
  return out;
}

std::string EncodePem(std::string_view type, std::string_view der) {
  return crypto::EncodePem(type, der);
}

}  // namespace cairn::pki
