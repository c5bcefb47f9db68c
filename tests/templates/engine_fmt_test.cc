// GoSprintf / GoSprint / GoSprintln against Go's fmt (expected strings are Go's output).

#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "templates/gofmt.h"
#include "testing/fakes.h"

namespace cairn::templates {
namespace {

Value I(int64_t i) { return Value::Int(i); }
Value F(double d) { return Value::Float(d); }
Value S(std::string s) { return Value::String(std::move(s)); }
Value L(List l) { return Value::MakeList(std::move(l)); }

struct Case {
  std::string format;
  std::vector<Value> args;
  std::string want;
};

void Check(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    SCOPED_TRACE(c.format);
    EXPECT_EQ(GoSprintf(c.format, c.args), c.want);
  }
}

TEST(EngineFmtTest, Integers) {
  Check({
      {"%d", {I(42)}, "42"},
      {"%5d|%-5d|%05d", {I(42), I(42), I(-42)}, "   42|42   |-0042"},
      {"%+d % d %+d", {I(5), I(5), I(-5)}, "+5  5 -5"},
      {"%x %X %#x %#X %x", {I(255), I(255), I(255), I(255), I(-255)}, "ff FF 0xff 0XFF -ff"},
      {"%o %#o %O %b %#b", {I(8), I(8), I(8), I(5), I(5)}, "10 010 0o10 101 0b101"},
      {"%.3d|%8.3d|%.0d|%-08d|", {I(7), I(7), I(0), I(7)}, "007|     007||7       |"},
      {"%c%c %q %q %U %#U",
       {I('h'), I(0x263A), I('a'), I(0x7F), I(0x1F600), I('x')},
       "h\xE2\x98\xBA 'a' '\\x7f' U+1F600 U+0078 'x'"},
      {"%c", {I(0xD800)}, "\xEF\xBF\xBD"},
      {"%+q", {I(0xE9)}, "'\\u00e9'"},
      {"%d %v", {Value::Uint(18446744073709551615ull), Value::Uint(7)}, "18446744073709551615 7"},
      {"%#v %#v", {Value::Uint(255), I(255)}, "0xff 255"},
      {"%d", {I(std::numeric_limits<int64_t>::min())}, "-9223372036854775808"},
  });
}

TEST(EngineFmtTest, Floats) {
  double inf = std::numeric_limits<double>::infinity();
  Check({
      {"%f %.2f %8.3f", {F(3.14159), F(3.14159), F(-3.14159)}, "3.141590 3.14   -3.142"},
      {"%e %E %.2e",
       {F(1234.5678), F(1234.5678), F(0.000123)},
       "1.234568e+03 1.234568E+03 1.23e-04"},
      {"%g %g %g %.3g",
       {F(1234.5678), F(1e21), F(1e-7), F(1234.5678)},
       "1234.5678 1e+21 1e-07 1.23e+03"},
      {"%v %v %v %v", {F(1e6), F(100000), F(0.1), F(-0.0)}, "1e+06 100000 0.1 -0"},
      {"%G %F", {F(1e-7), F(2.5)}, "1E-07 2.500000"},
      {"%+.1f %06.2f %-7.2f|", {F(2), F(-1.5), F(1.5)}, "+2.0 -01.50 1.50   |"},
      {"%.1f %.0f %.0f %.0f", {F(0.25), F(2.5), F(3.5), F(0.5)}, "0.2 2 4 0"},
      {"%x %X %.2x", {F(1), F(3), F(1)}, "0x1p+00 0X1.8P+01 0x1.00p+00"},
      {"%b", {F(1)}, "4503599627370496p-52"},
      {"%#g %#.3g %#.0f", {F(1), F(2), F(3)}, "1.00000 2.00 3."},
      {"%v %5.1f %f %05.1f % f",
       {F(std::nan("")), F(inf), F(-inf), F(inf), F(inf)},
       "NaN  +Inf -Inf  +Inf  Inf"},
      {"%.2v", {F(3.14159)}, "3.1"},
      {"%d", {F(3)}, "%!d(float64=3)"},
  });
}

TEST(EngineFmtTest, StringsAndBools) {
  Check({
      {"%s|%5s|%-5s|%.2s|%5s",
       {S("hi"), S("hi"), S("hi"), S("h\xC3\xA9llo"), S("\xC3\xA9")},
       "hi|   hi|hi   |h\xC3\xA9|    \xC3\xA9"},
      {"%q", {S("a\"b\n\t\x01\xff")}, "\"a\\\"b\\n\\t\\x01\\xff\""},
      {"%+q %q", {S("\xC3\xA9"), S("\xC3\xA9")}, "\"\\u00e9\" \"\xC3\xA9\""},
      {"%#q %#q", {S("ab"), S("a`b")}, "`ab` \"a`b\""},
      {"%x|% x|%#x|% #x|%X",
       {S("hi"), S("hi"), S("hi"), S("hi"), S("\xff")},
       "6869|68 69|0x6869|0x68 0x69|FF"},
      {"%.1x|%6x|%-6x|", {S("hi"), S("hi"), S("hi")}, "68|  6869|6869  |"},
      {"%t %v %5t", {Value::Bool(true), Value::Bool(false), Value::Bool(true)}, "true false  true"},
      {"%d", {Value::Bool(true)}, "%!d(bool=true)"},
      {"%5d", {S("ab")}, "%!d(string=   ab)"},
      {"%#v", {S("a\"b")}, "\"a\\\"b\""},
  });
}

TEST(EngineFmtTest, NilAndComposites) {
  Map m;
  m["b"] = I(2);
  m["a"] = I(1);
  Value map = Value::MakeMap(m);
  Struct st;
  st.type_name = "x509util.Subject";
  st.fields.push_back({"CommonName", "commonName", false, S("x")});
  st.fields.push_back({"Country", "country", false, L({S("US")})});
  Value subject = Value::MakeStruct(st);
  Struct ptr;
  ptr.type_name = "*rsa.PublicKey";
  ptr.fields.push_back({"E", "e", false, I(65537)});
  Value key = Value::MakeStruct(ptr);
  Check({
      {"%v %s %d %T", {Value(), Value(), Value(), Value()}, "<nil> %!s(<nil>) %!d(<nil>) <nil>"},
      {"%v %d %q %03d",
       {L({I(1), S("a")}), L({I(1), I(2)}), L({S("a"), S("b")}), L({I(1), I(2)})},
       "[1 a] [1 2] [\"a\" \"b\"] [001 002]"},
      {"%d %v %d", {L({S("a")}), L({Value()}), L({Value()})}, "[%!d(string=a)] [<nil>] [<nil>]"},
      {"%3v|%-3v|", {L({I(1), I(2)}), L({I(1)})}, "[  1   2]|[1  ]|"},
      {"%#v", {L({I(1), S("a"), Value()})}, "[]interface {}{1, \"a\", interface {}(nil)}"},
      {"%v %d", {map, map}, "map[a:1 b:2] map[%!d(string=a):1 %!d(string=b):2]"},
      {"%#v", {map}, "map[string]interface {}{\"a\":1, \"b\":2}"},
      {"%v|%+v|%#v",
       {subject, subject, subject},
       "{x [US]}|{CommonName:x Country:[US]}|x509util.Subject{CommonName:\"x\", "
       "Country:[]interface {}{\"US\"}}"},
      {"%v %+v", {key, key}, "&{65537} &{E:65537}"},
      {"%T %T %T %T %T %T",
       {I(1), F(1), S(""), L({}), map, subject},
       "int float64 string []interface {} map[string]interface {} x509util.Subject"},
      {"%v %s %d",
       {Value::Duration(std::chrono::seconds(90)), Value::Duration(std::chrono::seconds(90)),
        Value::Duration(std::chrono::seconds(1))},
       "1m30s 1m30s 1000000000"},
  });
}

TEST(EngineFmtTest, VerbAndArgumentErrors) {
  Check({
      {"%d", {}, "%!d(MISSING)"},
      {"%d %d", {I(1)}, "1 %!d(MISSING)"},
      {"hi", {I(1)}, "hi%!(EXTRA int=1)"},
      {"hi", {I(1), S("a"), Value()}, "hi%!(EXTRA int=1, string=a, <nil>)"},
      {"%!", {}, "%!!(MISSING)"},
      {"%", {}, "%!(NOVERB)"},
      {"abc%", {I(1)}, "abc%!(NOVERB)%!(EXTRA int=1)"},
      {"%z", {I(1)}, "%!z(int=1)"},
      {"%[2]d %[1]d", {I(1), I(2)}, "2 1"},
      {"%[1]d %d", {I(1), I(2)}, "1 2"},
      {"%[3]d", {I(1)}, "%!d(BADINDEX)"},
      {"%[x]d", {I(1)}, "%!d(BADINDEX)"},
      {"%*d|%-*d|", {I(5), I(1), I(3), I(1)}, "    1|1  |"},
      {"%*d", {I(-3), I(1)}, "1  "},
      {"%*d", {S("x"), I(1)}, "%!(BADWIDTH)1"},
      {"%.*f", {I(2), F(3.14159)}, "3.14"},
      {"%.*d", {S("x"), I(1)}, "%!(BADPREC)1"},
      {"%% %5% %d%%", {I(3)}, "% % 3%"},
      {"%.d|%.f", {I(0), F(1.5)}, "|2"},
      {"%-+ #0d", {I(1)}, "+1"},
      {"%\xE2\x98\xBA", {I(1)}, "%!\xE2\x98\xBA(int=1)"},
      {"%100000000d", {I(1)}, "%!(NOVERB)%!(EXTRA int=1)"},
  });
}

TEST(EngineFmtTest, SprintAndSprintln) {
  std::vector<Value> a = {I(1), I(2)};
  EXPECT_EQ(GoSprint(a), "1 2");
  std::vector<Value> b = {S("a"), I(1), I(2), S("b"), S("c"), F(1.5)};
  EXPECT_EQ(GoSprint(b), "a1 2bc1.5");
  std::vector<Value> c = {Value(), Value()};
  EXPECT_EQ(GoSprint(c), "<nil> <nil>");
  std::vector<Value> d = {S("a"), I(1), L({S("x")})};
  EXPECT_EQ(GoSprintln(d), "a 1 [x]\n");
  EXPECT_EQ(GoSprint({}), "");
  EXPECT_EQ(GoSprintln({}), "\n");
}

}  // namespace
}  // namespace cairn::templates
