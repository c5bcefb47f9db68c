// Tests of the X.509 template helpers asn1Enc, asn1Marshal, asn1Seq and asn1Set: outputs are
// compared with known DER bytes and with OpenSSL's own encoders.

#include <gtest/gtest.h>
#include <openssl/asn1.h>
#include <openssl/objects.h>

#include <string>
#include <vector>

#include "base/encoding.h"
#include "templates/funcs.h"
#include "testing/fakes.h"

namespace cairn::templates {
namespace {

Value S(std::string s) { return Value::String(std::move(s)); }
Value I(int64_t i) { return Value::Int(i); }

std::string Hex(const Value& b64) {
  auto der = Base64Decode(b64.as_string());
  EXPECT_TRUE(der.ok());
  return der.ok() ? HexEncode(*der) : "";
}

class Asn1Test : public ::testing::Test {
 protected:
  Result<Value> Call(const std::string& name, std::vector<Value> args) {
    return funcs_.at(name)(std::span<const Value>(args));
  }
  // HexOf calls `name` and returns the hex of the DER it produced.
  std::string HexOf(const std::string& name, std::vector<Value> args) {
    auto r = Call(name, std::move(args));
    EXPECT_TRUE(r.ok()) << name << ": " << r.status();
    return r.ok() ? Hex(*r) : "";
  }
  std::string Err(const std::string& name, std::vector<Value> args) {
    auto r = Call(name, std::move(args));
    EXPECT_FALSE(r.ok()) << name;
    return r.ok() ? "" : r.status().message();
  }

  cairn::testing::FakeClock clock_;
  cairn::testing::FakeRandom random_;
  FuncMap funcs_ = X509FuncMap(FuncEnv{&clock_, &random_});
};

TEST_F(Asn1Test, OnlyX509MapHasThem) {
  FuncMap step = StepFuncMap(FuncEnv{&clock_, &random_});
  EXPECT_EQ(step.count("asn1Enc"), 0u);
  for (const char* n : {"asn1Enc", "asn1Marshal", "asn1Seq", "asn1Set"}) {
    EXPECT_EQ(funcs_.count(n), 1u) << n;
  }
}

TEST_F(Asn1Test, EncTypes) {
  auto int1 = Call("asn1Enc", {S("int:1")});
  ASSERT_TRUE(int1.ok());
  EXPECT_EQ(int1->as_string(), "AgEB");  // 02 01 01
  struct Case {
    const char* in;
    const char* hex;
  } cases[] = {
      {"foo", "1303666f6f"},
      {"printable:foo bar", "1307666f6f20626172"},
      {"utf8:h\xC3\xA9llo", "0c0668c3a96c6c6f"},
      {"ia5:a@b.com", "16076140622e636f6d"},
      {"numeric:123 4", "120531323320 34"},
      {"int:-129", "0202ff7f"},
      {"int:128", "02020080"},
      {"bool:true", "0101ff"},
      {"bool:0", "010100"},
      {"oid:1.2.840.113549", "06062a864886f70d"},
      {"oid:2.5.29.17", "0603551d11"},
      {"utc:2024-01-02T03:04:05Z", "170d3234303130323033303430355a"},
      {"utc:2024-01-02 03:04:05 +0000 UTC", "170d3234303130323033303430355a"},
      {"generalized:2024-01-02T03:04:05Z", "180f32303234303130323033303430355a"},
      {"utc:2050-01-02T03:04:05Z", "180f32303530303130323033303430355a"},
      {"raw:BQA=", "0500"},
      {"unknown:abc", "1303616263"},
  };
  for (const Case& c : cases) {
    std::string want = c.hex;
    want.erase(std::remove(want.begin(), want.end(), ' '), want.end());
    EXPECT_EQ(HexOf("asn1Enc", {S(c.in)}), want) << c.in;
  }
}

TEST_F(Asn1Test, EncErrors) {
  EXPECT_EQ(Err("asn1Enc", {S("int:x")}),
            "invalid int value: strconv.Atoi: parsing \"x\": invalid syntax");
  EXPECT_EQ(Err("asn1Enc", {S("oid:1.x")}),
            "invalid oid value: error unmarshaling json: 1.x is not an ASN1 object identifier");
  EXPECT_EQ(Err("asn1Enc", {S("oid:3.1")}), "asn1: structure error: invalid object identifier");
  EXPECT_EQ(Err("asn1Enc", {S("oid:")}), "asn1: structure error: invalid object identifier");
  EXPECT_EQ(Err("asn1Enc", {S("ia5:\xC3\xA9")}), "invalid ia5 value");
  EXPECT_EQ(Err("asn1Enc", {S("numeric:12a")}), "invalid numeric value");
  EXPECT_EQ(Err("asn1Enc", {S("utf8:\xff")}), "invalid utf8 value");
  EXPECT_EQ(Err("asn1Enc", {S("printable:a_b")}), "invalid printable value");
  EXPECT_EQ(Err("asn1Enc", {S("printable:a&b")}),
            "asn1: structure error: PrintableString contains invalid character");
  EXPECT_EQ(Err("asn1Enc", {S("bool:yes")}),
            "invalid bool value: strconv.ParseBool: parsing \"yes\": invalid syntax");
  EXPECT_NE(Err("asn1Enc", {S("utc:yesterday")}).find("invalid utc value: parsing time"),
            std::string::npos);
  EXPECT_EQ(Err("asn1Enc", {I(1)}), "wrong type for value; expected string; got int");
}

TEST_F(Asn1Test, MarshalGoValues) {
  EXPECT_EQ(HexOf("asn1Marshal", {S("foo")}), "1303666f6f");
  EXPECT_EQ(HexOf("asn1Marshal", {S("a*b")}), "0c03612a62");  // '*' forces UTF8String
  EXPECT_EQ(HexOf("asn1Marshal", {S("x"), S("utf8")}), "0c0178");
  EXPECT_EQ(HexOf("asn1Marshal", {S("x"), S("ia5")}), "160178");
  EXPECT_EQ(HexOf("asn1Marshal", {I(5)}), "020105");
  EXPECT_EQ(HexOf("asn1Marshal", {Value::Bool(true)}), "0101ff");
  EXPECT_EQ(HexOf("asn1Marshal", {I(5), S("explicit"), S("tag:2")}), "a203020105");
  EXPECT_EQ(HexOf("asn1Marshal", {S("x"), S("tag:1")}), "810178");
  EXPECT_EQ(HexOf("asn1Marshal", {S("x"), S("tag:40")}), "9f280178");
  EXPECT_EQ(HexOf("asn1Marshal", {Value::MakeList({S("b"), I(1)})}), "3006130162020101");
  EXPECT_EQ(HexOf("asn1Marshal", {Value::MakeList({S("b"), S("a")}), S("set")}),
            "3106130161130162");
  EXPECT_EQ(Err("asn1Marshal", {Value::Float(1)}),
            "asn1: structure error: unknown Go type: float64");
  EXPECT_EQ(Err("asn1Marshal", {Value::MakeMap({})}),
            "asn1: structure error: unknown Go type: map[string]interface {}");
  EXPECT_EQ(Err("asn1Marshal", {Value()}), "asn1: cannot marshal nil value");
  EXPECT_EQ(Err("asn1Marshal", {I(1), S("utf8")}),
            "asn1: structure error: explicit string type given to non-string member");
  EXPECT_EQ(Err("asn1Marshal", {S("x\xff")}), "asn1: string not valid UTF-8");
}

TEST_F(Asn1Test, SeqAndSet) {
  auto one = *Call("asn1Enc", {S("int:1")});
  auto foo = *Call("asn1Enc", {S("foo")});
  EXPECT_EQ(HexOf("asn1Seq", {one, foo}), "30080201011303666f6f");
  EXPECT_EQ(HexOf("asn1Set", {foo, one}), "31081303666f6f020101");
  EXPECT_EQ(HexOf("asn1Seq", {}), "3000");
  auto nested = *Call("asn1Seq", {*Call("asn1Seq", {one})});
  EXPECT_EQ(Hex(nested), "30053003020101");
  EXPECT_FALSE(Call("asn1Seq", {S("!!!")}).ok());
  // Long contents use the long length form.
  std::string big(300, 'a');
  auto bigv = *Call("asn1Enc", {S("utf8:" + big)});
  EXPECT_TRUE(Hex(bigv).starts_with("0c82012c"));
  EXPECT_TRUE(HexOf("asn1Seq", {bigv}).starts_with("308201300c82012c"));
}

TEST_F(Asn1Test, AgreesWithOpenSsl) {
  for (const char* oid :
       {"1.3.6.1.4.1.37476.9000.64.1", "2.999.1234567", "0.39.7", "1.2.840.10045.4.3.2"}) {
    ASN1_OBJECT* obj = OBJ_txt2obj(oid, 1);
    ASSERT_NE(obj, nullptr) << oid;
    unsigned char* der = nullptr;
    int len = i2d_ASN1_OBJECT(obj, &der);
    ASSERT_GT(len, 0);
    std::string want = HexEncode(std::string(reinterpret_cast<char*>(der), len));
    OPENSSL_free(der);
    ASN1_OBJECT_free(obj);
    EXPECT_EQ(HexOf("asn1Enc", {S(std::string("oid:") + oid)}), want) << oid;
  }
  for (int64_t v : {0ll, 127ll, 128ll, 255ll, 256ll, -1ll, -128ll, -129ll, 65535ll,
                    9223372036854775807ll, -9223372036854775807ll - 1}) {
    ASN1_INTEGER* ai = ASN1_INTEGER_new();
    ASSERT_EQ(ASN1_INTEGER_set_int64(ai, v), 1);
    unsigned char* der = nullptr;
    int len = i2d_ASN1_INTEGER(ai, &der);
    ASSERT_GT(len, 0);
    std::string want = HexEncode(std::string(reinterpret_cast<char*>(der), len));
    OPENSSL_free(der);
    ASN1_INTEGER_free(ai);
    EXPECT_EQ(HexOf("asn1Enc", {S("int:" + std::to_string(v))}), want) << v;
    EXPECT_EQ(HexOf("asn1Marshal", {I(v)}), want) << v;
  }
}

}  // namespace
}  // namespace cairn::templates
