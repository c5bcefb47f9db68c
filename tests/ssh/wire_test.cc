#include "ssh/wire.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "base/encoding.h"
#include "testing/fakes.h"

namespace cairn::ssh {
namespace {

std::string Hex(std::string_view s) { return HexEncode(s); }
std::string Bytes(std::string_view hex) { return HexDecode(hex).value(); }

TEST(WireWriterTest, FixedSizeValuesAreBigEndian) {
  WireWriter w;
  w.PutByte(0xab);
  w.PutBool(true);
  w.PutBool(false);
  w.PutUint32(0x01020304);
  w.PutUint64(0x0102030405060708ULL);
  EXPECT_EQ(Hex(w.data()), "ab0100010203040102030405060708");
}

TEST(WireWriterTest, StringAndNameList) {
  WireWriter w;
  w.PutString("testing");
  w.PutString("");
  w.PutNameList({"zlib", "none"});
  w.PutNameList({});
  EXPECT_EQ(Hex(w.data()),
            "0000000774657374696e67"
            "00000000"
            "000000097a6c69622c6e6f6e65"
            "00000000");
}

// RFC 4251 §5 examples of mpint (the non-negative ones; negative values are never written).
TEST(WireWriterTest, MpintRfc4251Examples) {
  struct Case {
    std::string magnitude_hex;
    std::string want_hex;
  };
  const Case cases[] = {
      {"", "00000000"},
      {"00", "00000000"},  // leading zeros dropped: zero is the empty string
      {"09a378f9b2e332a7", "0000000809a378f9b2e332a7"},
      {"80", "000000020080"},
      {"0080", "000000020080"},
      {"7f", "000000017f"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.magnitude_hex);
    WireWriter w;
    w.PutMpint(Bytes(c.magnitude_hex));
    EXPECT_EQ(Hex(w.data()), c.want_hex);
    // And back.
    WireReader r(w.data());
    auto m = r.ReadMpint();
    ASSERT_TRUE(m.ok()) << m.status();
    std::string want = Bytes(c.magnitude_hex);
    while (!want.empty() && want[0] == 0) want.erase(0, 1);
    EXPECT_EQ(Hex(*m), Hex(want));
    EXPECT_TRUE(r.empty());
  }
}

TEST(WireReaderTest, ReadsWhatWriterWrote) {
  WireWriter w;
  w.PutByte(7);
  w.PutBool(true);
  w.PutUint32(0xdeadbeef);
  w.PutUint64(UINT64_MAX);
  w.PutString(std::string("a\0b", 3));
  w.PutNameList({"aes128-ctr", "aes256-ctr"});
  WireReader r(w.data());
  EXPECT_EQ(r.ReadByte().value(), 7);
  EXPECT_TRUE(r.ReadBool().value());
  EXPECT_EQ(r.ReadUint32().value(), 0xdeadbeefu);
  EXPECT_EQ(r.ReadUint64().value(), UINT64_MAX);
  EXPECT_EQ(r.ReadString().value(), std::string_view("a\0b", 3));
  EXPECT_EQ(r.ReadNameList(10).value(), (std::vector<std::string>{"aes128-ctr", "aes256-ctr"}));
  EXPECT_TRUE(r.empty());
  CAIRN_EXPECT_OK(r.ExpectEnd("test"));
}

TEST(WireReaderTest, RejectsBadInputAndDoesNotAdvance) {
  struct Case {
    std::string name;
    std::string hex;
    std::function<Status(WireReader&)> read;
    StatusCode want;
  };
  auto status_of = [](auto result) { return result.status(); };
  const std::vector<Case> cases = {
      {"empty byte", "", [&](WireReader& r) { return status_of(r.ReadByte()); },
       StatusCode::kInvalidArgument},
      {"bool 2", "02", [&](WireReader& r) { return status_of(r.ReadBool()); },
       StatusCode::kInvalidArgument},
      {"short uint32", "010203", [&](WireReader& r) { return status_of(r.ReadUint32()); },
       StatusCode::kInvalidArgument},
      {"short uint64", "01020304050607", [&](WireReader& r) { return status_of(r.ReadUint64()); },
       StatusCode::kInvalidArgument},
      {"string longer than input", "0000000561626364",
       [&](WireReader& r) { return status_of(r.ReadString()); }, StatusCode::kInvalidArgument},
      {"string length 2^32-1", "ffffffff00",
       [&](WireReader& r) { return status_of(r.ReadString()); }, StatusCode::kInvalidArgument},
      {"string over bound", "0000000461626364",
       [&](WireReader& r) { return status_of(r.ReadString(3)); }, StatusCode::kResourceExhausted},
      {"cstring with NUL", "0000000361006263",
       [&](WireReader& r) { return status_of(r.ReadCString()); }, StatusCode::kInvalidArgument},
      {"mpint negative", "00000001ff", [&](WireReader& r) { return status_of(r.ReadMpint()); },
       StatusCode::kInvalidArgument},
      {"mpint -1234", "00000002edcc", [&](WireReader& r) { return status_of(r.ReadMpint()); },
       StatusCode::kInvalidArgument},
      {"mpint zero as 00", "0000000100", [&](WireReader& r) { return status_of(r.ReadMpint()); },
       StatusCode::kInvalidArgument},
      {"mpint needless 00", "00000002007f", [&](WireReader& r) { return status_of(r.ReadMpint()); },
       StatusCode::kInvalidArgument},
      {"mpint over bound", "00000003010203",
       [&](WireReader& r) { return status_of(r.ReadMpint(2)); }, StatusCode::kResourceExhausted},
      {"name-list empty name", "00000004612c2c62",
       [&](WireReader& r) { return status_of(r.ReadNameList(10)); }, StatusCode::kInvalidArgument},
      {"name-list trailing comma", "00000002612c",
       [&](WireReader& r) { return status_of(r.ReadNameList(10)); }, StatusCode::kInvalidArgument},
      {"name-list space", "00000003612062",
       [&](WireReader& r) { return status_of(r.ReadNameList(10)); }, StatusCode::kInvalidArgument},
      {"name-list too many", "00000005612c622c63",
       [&](WireReader& r) { return status_of(r.ReadNameList(2)); }, StatusCode::kResourceExhausted},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string data = Bytes(c.hex);
    WireReader r(data);
    Status s = c.read(r);
    EXPECT_EQ(s.code(), c.want) << s;
    EXPECT_EQ(r.offset(), 0u) << "a failed read must not consume input";
  }
}

TEST(WireReaderTest, ExpectEndReportsTrailingData) {
  const std::string data = Bytes("0000000100");
  WireReader r(data);
  ASSERT_TRUE(r.ReadUint32().ok());
  Status s = r.ExpectEnd("thing");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("trailing data after thing"), std::string::npos) << s;
}

}  // namespace
}  // namespace cairn::ssh
