// node/script/sha1hex.cc -- see sha1hex.h. Uses OpenSSL's EVP digest (already
// linked for other rooms).

#include "node/script/sha1hex.h"

#include <openssl/evp.h>

namespace node::script {

std::string Sha1Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha1(), nullptr);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(40);
  for (unsigned int i = 0; i < len; i++) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

}  // namespace node::script
