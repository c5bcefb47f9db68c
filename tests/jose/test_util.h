#pragma once

// Shared helpers for the jose tests: reading the committed vectors.

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "base/strings.h"

namespace cairn::jose::testing {

// ReadTestdata returns the contents of tests/testdata/jose/<name> (empty and a test failure
// when missing).
inline std::string ReadTestdata(const std::string& name) {
  std::ifstream in(std::string(CAIRN_JOSE_TESTDATA) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing test vector " << name;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// ReadToken returns a vector file's contents without surrounding whitespace.
inline std::string ReadToken(const std::string& name) {
  return std::string(Trim(ReadTestdata(name)));
}

}  // namespace cairn::jose::testing
