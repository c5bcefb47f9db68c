// Table-driven tests of sprig's functions, called directly from the FuncMap with Values as the
// template engine would pass them. Expected outputs are what sprig v3 prints under Go.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "templates/funcs.h"
#include "testing/fakes.h"

namespace cairn::templates {
namespace {

Value S(std::string s) { return Value::String(std::move(s)); }
Value I(int64_t i) { return Value::Int(i); }
Value F(double d) { return Value::Float(d); }
Value B(bool b) { return Value::Bool(b); }
Value L(List l) { return Value::MakeList(std::move(l)); }
Value M(std::vector<std::pair<std::string, Value>> kv) {
  Map m;
  for (auto& [k, v] : kv) m.insert_or_assign(k, v);
  return Value::MakeMap(std::move(m));
}
Value Nil() { return Value(); }

// Case is one call: `want` is the Print() of the result, or a substring of the error.
struct Case {
  std::string name;
  std::vector<Value> args;
  std::string want;
  bool error = false;
};

class SprigTest : public ::testing::Test {
 protected:
  Result<Value> Call(const std::string& name, const std::vector<Value>& args) {
    auto it = funcs_.find(name);
    if (it == funcs_.end()) return NotFoundError("no function " + name);
    return it->second(std::span<const Value>(args));
  }

  void Run(const std::vector<Case>& cases) {
    for (const Case& c : cases) {
      auto r = Call(c.name, c.args);
      std::string label = c.name + " #" + std::to_string(&c - cases.data()) + " " +
                          (c.args.empty() ? "" : c.args[0].Print());
      if (c.error) {
        ASSERT_FALSE(r.ok()) << label << " returned " << r->Print();
        EXPECT_NE(r.status().message().find(c.want), std::string::npos)
            << label << ": " << r.status().message();
      } else {
        ASSERT_TRUE(r.ok()) << label << ": " << r.status();
        EXPECT_EQ(r->Print(), c.want) << label;
      }
    }
  }

  cairn::testing::FakeClock clock_;
  cairn::testing::FakeRandom random_{7};
  FuncMap funcs_ = StepFuncMap(FuncEnv{&clock_, &random_});
};

TEST_F(SprigTest, EnvAndExpandenvAreAbsent) {
  EXPECT_EQ(funcs_.count("env"), 0u);
  EXPECT_EQ(funcs_.count("expandenv"), 0u);
  for (const char* name : {"trim", "toJson", "b64enc", "typeIs", "concat", "hasPrefix", "dig",
                           "dateInZone", "regexReplaceAll", "uuidv4", "urlParse", "semverCompare",
                           "genCA", "fail", "toTimeLayout"}) {
    EXPECT_EQ(funcs_.count(name), 1u) << name;
  }
}

TEST_F(SprigTest, Strings) {
  Run({
      {"trim", {S("  hi \n")}, "hi"},
      {"trimAll", {S("$"), S("$5.00$")}, "5.00"},
      {"trimPrefix", {S("-"), S("-hello")}, "hello"},
      {"trimSuffix", {S("-"), S("hello-")}, "hello"},
      {"upper", {S("hello é")}, "HELLO É"},
      {"lower", {S("HELLO Σ")}, "hello σ"},
      {"title", {S("hello wORLD foo_bar")}, "Hello WORLD Foo_bar"},
      {"untitle", {S("Hello World")}, "hello world"},
      {"repeat", {I(3), S("ab")}, "ababab"},
      {"repeat", {I(-1), S("ab")}, "negative Repeat count", true},
      {"repeat", {F(3), S("ab")}, "wrong type for value; expected int; got float64", true},
      {"repeat", {I(3)}, "wrong number of args for repeat: want 2 got 1", true},
      {"substr", {I(0), I(3), S("fooo")}, "foo"},
      {"substr", {I(1), I(10), S("foo")}, "oo"},
      {"substr", {I(5), I(2), S("foo")}, "slice bounds out of range", true},
      {"nospace", {S("h e l l o ")}, "hello"},
      {"trunc", {I(3), S("foooooo")}, "foo"},
      {"trunc", {I(-3), S("baaaaaar")}, "aar"},
      {"trunc", {I(-999), S("baaaaaar")}, "baaaaaar"},
      {"abbrev", {I(5), S("hello world")}, "he..."},
      {"abbrev", {I(3), S("hello world")}, "hello world"},
      {"abbrevboth", {I(5), I(10), S("1234 5678 9123")}, "...5678..."},
      {"initials", {S("First Try")}, "FT"},
      {"wrap", {I(5), S("Hello World")}, "Hello\nWorld"},
      {"wrapWith", {I(5), S("\t"), S("Hello World")}, "Hello\tWorld"},
      {"wrapWith", {I(3), S("|"), S("abcdefg")}, "abc|def|g"},
      {"contains", {S("cat"), S("catch")}, "true"},
      {"hasPrefix", {S("cat"), S("catch")}, "true"},
      {"hasSuffix", {S("cat"), S("catch")}, "false"},
      {"quote", {S("a"), S("b\"c"), Nil(), I(1)}, "\"a\" \"b\\\"c\" \"1\""},
      {"squote", {S("a"), I(2), Nil()}, "'a' '2'"},
      {"cat", {S("hello"), Nil(), S("beautiful"), I(1)}, "hello beautiful 1"},
      {"indent", {I(4), S("a\nb")}, "    a\n    b"},
      {"nindent", {I(2), S("a")}, "\n  a"},
      {"replace", {S(" "), S("-"), S("I Am Henry VIII")}, "I-Am-Henry-VIII"},
      {"replace", {S(""), S("-"), S("ab")}, "-a-b-"},
      {"plural", {S("one anchovy"), S("many anchovies"), I(1)}, "one anchovy"},
      {"plural", {S("one anchovy"), S("many anchovies"), I(2)}, "many anchovies"},
      {"snakecase", {S("FirstName")}, "first_name"},
      {"snakecase", {S("HTTPServer")}, "http_server"},
      {"snakecase", {S("NoHTTPS")}, "no_https"},
      {"snakecase", {S("GO_PATH")}, "go_path"},
      {"snakecase", {S("GO PATH")}, "go_path"},
      {"snakecase", {S("http2xx")}, "http_2xx"},
      {"snakecase", {S("HTTP20xOK")}, "http_20x_ok"},
      {"snakecase", {S("Duration2m3s")}, "duration_2m3s"},
      {"snakecase", {S("Bld4Floor3rd")}, "bld4_floor_3rd"},
      {"kebabcase", {S("FirstName")}, "first-name"},
      {"camelcase", {S("http_server")}, "HttpServer"},
      {"camelcase", {S("_complex__case_")}, "_Complex_Case_"},
      {"swapcase", {S("This Is A.Test")}, "tHIS iS a.tEST"},
      {"toString", {F(1e6)}, "1e+06"},
      {"toString", {Nil()}, "<nil>"},
      {"toStrings", {L({I(1), Nil(), S("x")})}, "[1 x]"},
      {"join", {S("-"), L({S("a"), I(1), Nil(), F(2.5)})}, "a-1-2.5"},
      {"join", {S("-"), S("solo")}, "solo"},
      {"split", {S("$"), S("foo$bar$baz")}, "map[_0:foo _1:bar _2:baz]"},
      {"splitList", {S(","), S("a,b,,c")}, "[a b  c]"},
      {"splitn", {S("$"), I(2), S("foo$bar$baz")}, "map[_0:foo _1:bar$baz]"},
      {"sortAlpha", {L({S("b"), S("a"), I(10), I(9)})}, "[10 9 a b]"},
      {"sortAlpha", {S("x")}, "[x]"},
      {"hello", {}, "Hello!"},
  });
}

TEST_F(SprigTest, RandomStringsHaveTheRightShape) {
  for (const auto& [name, alphabet] : std::vector<std::pair<std::string, std::string>>{
           {"randAlphaNum", "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"},
           {"randAlpha", "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"},
           {"randNumeric", "0123456789"}}) {
    auto r = Call(name, {I(64)});
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(r->as_string().size(), 64u) << name;
    EXPECT_EQ(r->as_string().find_first_not_of(alphabet), std::string::npos) << name;
  }
  auto ascii = Call("randAscii", {I(200)});
  ASSERT_TRUE(ascii.ok());
  for (char c : ascii->as_string()) EXPECT_TRUE(c >= 32 && c <= 126);
  EXPECT_EQ(Call("randAlpha", {I(0)})->as_string(), "");
  auto huge = Call("randAlpha", {I(1 << 30)});
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.status().code(), StatusCode::kResourceExhausted);
  auto shuffled = Call("shuffle", {S("abcdefgh")});
  ASSERT_TRUE(shuffled.ok());
  std::string sorted = shuffled->as_string();
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, "abcdefgh");
}

TEST_F(SprigTest, SizeLimits) {
  for (const auto& [name, args] : std::vector<std::pair<std::string, std::vector<Value>>>{
           {"repeat", {I(1 << 20), S("xy")}},
           {"until", {I(1000000)}},
           {"untilStep", {I(0), I(1 << 30), I(1)}},
           {"seq", {I(1), I(1000000)}},
           {"indent", {I(1 << 21), S("a")}},
           {"wrapWith", {I(1), S(std::string(100, '-')), S(std::string(20000, 'a'))}},
       }) {
    auto r = Call(name, args);
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted) << name;
  }
}

TEST_F(SprigTest, Conversions) {
  Run({
      {"atoi", {S("42")}, "42"},
      {"atoi", {S("4x")}, "0"},
      {"int", {S("0x1F")}, "31"},
      {"int", {F(3.9)}, "3"},
      {"int", {S("3.0")}, "3"},
      {"int", {S("3.5")}, "0"},
      {"int64", {B(true)}, "1"},
      {"float64", {S("1.5")}, "1.5"},
      {"float64", {I(2)}, "2"},
      {"float64", {S("abc")}, "0"},
      {"toDecimal", {S("0777")}, "511"},
      {"toDecimal", {I(777)}, "511"},
      {"toDecimal", {S("9")}, "0"},
      {"seq", {I(5)}, "1 2 3 4 5"},
      {"seq", {I(-3)}, "1 0 -1 -2 -3"},
      {"seq", {I(2), I(5)}, "2 3 4 5"},
      {"seq", {I(0), I(2), I(10)}, "0 2 4 6 8 10"},
      {"seq", {I(10), I(-2), I(4)}, "10 8 6 4"},
      {"seq", {I(10), I(2), I(4)}, ""},
      {"seq", {}, ""},
      {"until", {I(3)}, "[0 1 2]"},
      {"until", {I(-3)}, "[0 -1 -2]"},
      {"untilStep", {I(0), I(10), I(3)}, "[0 3 6 9]"},
      {"untilStep", {I(10), I(0), I(-4)}, "[10 6 2]"},
      {"untilStep", {I(0), I(10), I(0)}, "[]"},
  });
}

TEST_F(SprigTest, Math) {
  Run({
      {"add", {I(1), F(2.9), S("3")}, "6"},
      {"add", {}, "0"},
      {"add1", {F(1.5)}, "2"},
      {"sub", {I(10), I(3)}, "7"},
      {"div", {I(10), I(3)}, "3"},
      {"div", {I(1), I(0)}, "integer divide by zero", true},
      {"mod", {I(10), I(3)}, "1"},
      {"mod", {I(10), I(0)}, "integer divide by zero", true},
      {"mul", {I(2), I(3), I(4)}, "24"},
      {"max", {I(1), I(5), F(3)}, "5"},
      {"biggest", {I(1), I(5)}, "5"},
      {"min", {I(1), I(-5), I(3)}, "-5"},
      {"maxf", {F(1.5), I(2), F(-3)}, "2"},
      {"minf", {F(1.5), I(2), F(-3)}, "-3"},
      {"floor", {F(1.7)}, "1"},
      {"ceil", {F(1.2)}, "2"},
      {"round", {F(3.14159), I(2)}, "3.14"},
      {"round", {F(2.5), I(0)}, "3"},
      {"round", {F(3.149), I(2), F(0.9)}, "3.14"},
      {"addf", {F(1.1), F(2.2)}, "3.3"},
      {"addf", {}, "0"},
      {"add1f", {F(0.1)}, "1.1"},
      {"subf", {F(1.5), F(0.2)}, "1.3"},
      {"mulf", {F(1.1), I(3)}, "3.3"},
      {"divf", {I(1), I(3)}, "0.3333333333333333"},
      {"divf", {I(10), I(4)}, "2.5"},
      {"divf", {I(1), I(0)}, "division by zero", true},
  });
  auto r = Call("randInt", {I(5), I(8)});
  ASSERT_TRUE(r.ok());
  EXPECT_GE(r->as_int(), 5);
  EXPECT_LT(r->as_int(), 8);
  EXPECT_FALSE(Call("randInt", {I(5), I(5)}).ok());
}

TEST_F(SprigTest, Lists) {
  Value abc = L({S("a"), S("b"), S("c")});
  Run({
      {"list", {I(1), S("a"), Nil()}, "[1 a <nil>]"},
      {"tuple", {I(1)}, "[1]"},
      {"first", {abc}, "a"},
      {"first", {L({})}, "<nil>"},
      {"first", {S("x")}, "Cannot find first on type string", true},
      {"mustFirst", {M({})}, "Cannot find first on type map", true},
      {"last", {abc}, "c"},
      {"rest", {abc}, "[b c]"},
      {"initial", {abc}, "[a b]"},
      {"append", {abc, S("d")}, "[a b c d]"},
      {"push", {abc, I(1)}, "[a b c 1]"},
      {"append", {S("x"), I(1)}, "Cannot push on type string", true},
      {"prepend", {abc, S("z")}, "[z a b c]"},
      {"concat", {abc, L({I(1)}), L({})}, "[a b c 1]"},
      {"concat", {abc, S("x")}, "Cannot concat type string as list", true},
      {"reverse", {abc}, "[c b a]"},
      {"uniq", {L({I(1), I(1), F(1), S("1"), I(2), I(1)})}, "[1 1 1 2]"},
      {"without", {L({I(1), I(2), I(3), I(2)}), I(2), I(3)}, "[1]"},
      {"has", {I(2), L({I(1), I(2)})}, "true"},
      {"has", {F(2), L({I(1), I(2)})}, "false"},
      {"has", {I(2), Nil()}, "false"},
      {"slice", {abc, I(1)}, "[b c]"},
      {"slice", {abc, I(1), I(2)}, "[b]"},
      {"slice", {abc}, "[a b c]"},
      {"slice", {abc, I(2), I(5)}, "slice index out of range", true},
      {"chunk", {I(2), L({I(1), I(2), I(3), I(4), I(5)})}, "[[1 2] [3 4] [5]]"},
      {"chunk", {I(2), L({})}, "[]"},
      {"compact", {L({I(0), S(""), Nil(), B(false), S("a"), L({}), I(1)})}, "[a 1]"},
      {"mustCompact", {L({S(""), S("x")})}, "[x]"},
  });
}

TEST_F(SprigTest, Dicts) {
  Value d = M({{"a", I(1)}, {"b", S("two")}});
  Run({
      {"dict", {S("a"), I(1), S("b")}, "map[a:1 b:]"},
      {"dict", {I(1), S("x")}, "map[1:x]"},
      {"get", {d, S("b")}, "two"},
      {"get", {d, S("zz")}, ""},
      {"hasKey", {d, S("a")}, "true"},
      {"hasKey", {Nil(), S("a")}, "false"},
      {"keys", {d, M({{"c", I(3)}})}, "[a b c]"},
      {"values", {d}, "[1 two]"},
      {"pick", {d, S("a"), S("zz")}, "map[a:1]"},
      {"omit", {d, S("a")}, "map[b:two]"},
      {"pluck", {S("a"), d, M({{"a", I(9)}}), M({})}, "[1 9]"},
      {"pluck", {S("a"), S("x")}, "expected map[string]interface {}; got string", true},
      {"dig", {S("a"), S("b"), S("dflt"), M({{"a", M({{"b", I(5)}})}})}, "5"},
      {"dig", {S("a"), S("x"), S("dflt"), M({{"a", M({{"b", I(5)}})}})}, "dflt"},
      {"dig", {S("a"), S("dflt")}, "dig needs at least three arguments", true},
      {"dig",
       {S("a"), S("b"), S("d"), M({{"a", S("str")}})},
       "interface conversion: interface {} is string, not map[string]interface {}",
       true},
      {"set", {Nil(), S("a"), I(1)}, "assignment to entry in nil map", true},
  });
}

TEST_F(SprigTest, SetUnsetModifyTheMapInPlace) {
  Value d = M({{"a", I(1)}});
  auto r = Call("set", {d, S("b"), I(2)});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(d.Print(), "map[a:1 b:2]");
  ASSERT_TRUE(Call("unset", {d, S("a")}).ok());
  EXPECT_EQ(d.Print(), "map[b:2]");
}

TEST_F(SprigTest, MergeAndDeepCopy) {
  Value dst = M({{"default", S("default")},
                 {"overwrite", S("me")},
                 {"key", B(true)},
                 {"empty", S("")},
                 {"nested", M({{"x", I(1)}})}});
  Value src = M({{"overwrite", S("overwritten")},
                 {"key", B(false)},
                 {"empty", S("filled")},
                 {"new", I(5)},
                 {"nested", M({{"y", I(2)}, {"x", I(9)}})}});
  Value copy = *Call("deepCopy", {dst});
  auto merged = Call("merge", {dst, src});
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(merged->Print(),
            "map[default:default empty:filled key:true nested:map[x:1 y:2] new:5 overwrite:me]");
  // merge modified dst itself; the deep copy was not affected.
  EXPECT_EQ(dst.Print(), merged->Print());
  EXPECT_EQ(copy.Print(), "map[default:default empty: key:true nested:map[x:1] overwrite:me]");
  auto over = Call("mergeOverwrite", {copy, src});
  ASSERT_TRUE(over.ok());
  EXPECT_EQ(over->Print(),
            "map[default:default empty:filled key:false nested:map[x:9 y:2] new:5 "
            "overwrite:overwritten]");
}

TEST_F(SprigTest, DefaultsAndFlow) {
  Run({
      {"default", {S("foo"), Nil()}, "foo"},
      {"default", {S("foo"), S("")}, "foo"},
      {"default", {S("foo"), S("bar")}, "bar"},
      {"default", {S("foo"), I(0)}, "foo"},
      {"default", {S("foo"), L({})}, "foo"},
      {"default", {S("foo")}, "foo"},
      {"empty", {M({})}, "true"},
      {"empty", {F(0)}, "true"},
      {"empty", {S(" ")}, "false"},
      {"coalesce", {Nil(), S(""), I(0), S("x"), S("y")}, "x"},
      {"coalesce", {Nil(), S("")}, "<nil>"},
      {"all", {I(1), S("x")}, "true"},
      {"all", {I(1), S("")}, "false"},
      {"any", {I(0), S("x")}, "true"},
      {"any", {}, "false"},
      {"ternary", {S("yes"), S("no"), B(true)}, "yes"},
      {"ternary", {S("yes"), S("no"), B(false)}, "no"},
      {"ternary", {S("yes"), S("no"), I(1)}, "expected bool; got int", true},
  });
}

TEST_F(SprigTest, Json) {
  Value v = M({{"b", L({I(1), F(1.5), Nil()})}, {"a", S("<x>")}});
  Run({
      {"toJson", {v}, "{\"a\":\"\\u003cx\\u003e\",\"b\":[1,1.5,null]}"},
      {"toRawJson", {v}, "{\"a\":\"<x>\",\"b\":[1,1.5,null]}"},
      {"toPrettyJson", {M({{"a", I(1)}})}, "{\n  \"a\": 1\n}"},
      {"toJson", {F(std::nan(""))}, ""},
      {"mustToJson", {F(std::nan(""))}, "json: unsupported value: NaN", true},
      {"fromJson", {S("{\"a\":[1,\"x\"]}")}, "map[a:[1 x]]"},
      {"fromJson", {S("not json")}, "<nil>"},
      {"mustFromJson", {S("not json")}, "", true},
  });
  auto parsed = Call("fromJson", {S("{\"n\":1}")});
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->Field("n")->TypeName(), "float64");
}

TEST_F(SprigTest, Reflection) {
  Struct key;
  key.type_name = "*rsa.PublicKey";
  Value pub = Value::MakeStruct(key);
  Run({
      {"typeOf", {S("x")}, "string"},
      {"typeOf", {F(1)}, "float64"},
      {"typeOf", {L({})}, "[]interface {}"},
      {"typeOf", {Nil()}, "<nil>"},
      {"typeIs", {S("*rsa.PublicKey"), pub}, "true"},
      {"typeIs", {S("rsa.PublicKey"), pub}, "false"},
      {"typeIsLike", {S("rsa.PublicKey"), pub}, "true"},
      {"kindOf", {pub}, "ptr"},
      {"kindOf", {M({})}, "map"},
      {"kindIs", {S("slice"), L({})}, "true"},
      {"kindIs", {S("int"), F(1)}, "false"},
      {"deepEqual", {L({I(1), M({{"a", S("b")}})}), L({I(1), M({{"a", S("b")}})})}, "true"},
      {"deepEqual", {I(1), F(1)}, "false"},
  });
}

TEST_F(SprigTest, Regex) {
  Run({
      {"regexMatch", {S("^[a-z]+\\.example\\.com$"), S("www.example.com")}, "true"},
      {"regexMatch", {S("^[a-z]+$"), S("ABC")}, "false"},
      {"regexMatch", {S("(?i)^[a-z]+$"), S("ABC")}, "true"},
      {"regexMatch", {S("("), S("x")}, "false"},
      {"mustRegexMatch", {S("("), S("x")}, "error parsing regexp: missing closing ): `(`", true},
      {"regexFindAll", {S("[2,4,6,8]"), S("123456789"), I(-1)}, "[2 4 6 8]"},
      {"regexFindAll", {S("[2,4,6,8]"), S("123456789"), I(2)}, "[2 4]"},
      {"regexFindAll", {S("a*"), S("baaab"), I(-1)}, "[ aaa ]"},
      {"regexFind", {S("[a-zA-Z][1-9]"), S("abcd1234")}, "d1"},
      {"regexFind", {S("x+"), S("abc")}, ""},
      {"regexFind",
       {S("["), S("abc")},
       "regexp: Compile(\"[\"): error parsing regexp: missing closing ]: `[`",
       true},
      {"regexReplaceAll", {S("a(x*)b"), S("-ab-axxb-"), S("${1}W")}, "-W-xxW-"},
      {"regexReplaceAll", {S("a(x*)b"), S("-ab-axxb-"), S("$1W")}, "---"},
      {"regexReplaceAll",
       {S("(?P<first>\\w+)\\s(?P<last>\\w+)"), S("Jane Doe"), S("$last, $first")},
       "Doe, Jane"},
      {"regexReplaceAll", {S("a*"), S("baaac"), S("-")}, "-b-c-"},
      {"regexReplaceAllLiteral", {S("a(x*)b"), S("-ab-axxb-"), S("${1}")}, "-${1}-${1}-"},
      {"regexSplit", {S("z+"), S("pizza"), I(-1)}, "[pi a]"},
      {"regexSplit", {S("z+"), S("pizza"), I(1)}, "[pizza]"},
      {"regexSplit", {S(""), S("abc"), I(-1)}, "[a b c]"},
      {"regexQuoteMeta", {S("1.2.3+[x]")}, "1\\.2\\.3\\+\\[x\\]"},
      {"regexMatch", {S("^\\d{3}-\\d{2,4}$"), S("123-4567")}, "true"},
      {"regexMatch", {S("\\bfoo\\b"), S("a foo b")}, "true"},
      {"regexMatch", {S("\\bfoo\\b"), S("afoob")}, "false"},
      {"regexMatch", {S("^[[:alpha:]]+[^0-9]$"), S("abc!")}, "true"},
      {"regexMatch", {S("(?s)a.b"), S("a\nb")}, "true"},
      {"regexMatch", {S("a.b"), S("a\nb")}, "false"},
      {"regexMatch", {S("(?m)^b$"), S("a\nb\nc")}, "true"},
      {"regexMatch", {S("^\\p{Greek}+$"), S("αβγ")}, "true"},
      {"regexFind", {S("a+?"), S("aaa")}, "a"},
      {"regexFind", {S("(a|ab)(c|bcd)"), S("abcd")}, "abcd"},
      {"mustRegexMatch", {S("a{1001}"), S("a")}, "invalid repeat count", true},
      {"mustRegexMatch", {S("a**"), S("a")}, "invalid nested repetition operator", true},
      {"mustRegexMatch", {S("\\8"), S("a")}, "invalid escape sequence", true},
  });
}

TEST_F(SprigTest, RegexIsLinearOnPathologicalPatterns) {
  // (a*)*b against a long run of a's backtracks exponentially in a backtracking engine.
  std::string input(5000, 'a');
  auto r = Call("regexMatch", {S("^(a*)*b$"), S(input)});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->as_bool());
}

TEST_F(SprigTest, PathsAndUrls) {
  Run({
      {"base", {S("/a/b/c.txt")}, "c.txt"},
      {"base", {S("")}, "."},
      {"base", {S("/")}, "/"},
      {"dir", {S("/a/b/c.txt")}, "/a/b"},
      {"dir", {S("c.txt")}, "."},
      {"clean", {S("a//b/../c/./d/")}, "a/c/d"},
      {"clean", {S("/../x")}, "/x"},
      {"clean", {S("../../x")}, "../../x"},
      {"ext", {S("/a/b.tar.gz")}, ".gz"},
      {"ext", {S("/a.b/c")}, ""},
      {"isAbs", {S("/x")}, "true"},
      {"osIsAbs", {S("x")}, "false"},
      {"osBase", {S("a/b/")}, "b"},
      {"urlParse",
       {S("https://user:pass@example.com:8443/a%20b?q=1#frag")},
       "map[fragment:frag host:example.com:8443 hostname:example.com opaque: path:/a b "
       "query:q=1 scheme:https userinfo:user:pass]"},
      {"urlParse",
       {S("mailto:joe@example.com")},
       "map[fragment: host: hostname: opaque:joe@example.com path: query: scheme:mailto "
       "userinfo:]"},
      {"urlParse",
       {S("http://[::1]:80/")},
       "map[fragment: host:[::1]:80 hostname:::1 opaque: path:/ query: scheme:http userinfo:]"},
      {"urlParse",
       {S("http://x/%zz")},
       "unable to parse url: parse \"http://x/%zz\": invalid URL escape \"%zz\"",
       true},
      {"urlParse", {S(":foo")}, "missing protocol scheme", true},
      {"urlJoin",
       {M({{"scheme", S("https")},
           {"host", S("example.com")},
           {"path", S("/a b")},
           {"query", S("x=1")},
           {"fragment", S("f g")},
           {"userinfo", S("u:p")}})},
       "https://u:p@example.com/a%20b?x=1#f%20g"},
      {"urlJoin", {M({{"path", S("a:b")}})}, "./a:b"},
      {"urlJoin", {M({{"host", I(1)}})}, "must be of type string, but int found", true},
  });
}

TEST_F(SprigTest, Encoding) {
  Run({
      {"b64enc", {S("coffee")}, "Y29mZmVl"},
      {"b64dec", {S("Y29mZmVl")}, "coffee"},
      {"b64dec", {S("Y29mZmVl!")}, "illegal base64 data at input byte 8"},
      {"b64dec", {S("Y29mZmV")}, "illegal base64 data at input byte 4"},
      {"b32enc", {S("coffee")}, "MNXWMZTFMU======"},
      {"b32dec", {S("MNXWMZTFMU======")}, "coffee"},
      {"b32dec", {S("1")}, "illegal base32 data at input byte 0"},
      {"sha1sum", {S("abc")}, "a9993e364706816aba3e25717850c26c9cd0d89d"},
      {"sha256sum", {S("abc")}, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"sha512sum",
       {S("")},
       "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2"
       "877eec2f63b931bd47417a81a538327af927da3e"},
      {"adler32sum", {S("Wikipedia")}, "300286872"},
      {"htpasswd", {S("user"), S("pass"), S("sha")}, "user:{SHA}nU4eI71bcnBGqeO0t9tXvY1u5oQ="},
      {"htpasswd", {S("us:er"), S("pass"), S("sha")}, "invalid username: us:er"},
      {"htpasswd", {S("user"), S("pass"), S("bcrypt")}, "not supported by cairn", true},
      {"bcrypt", {S("x")}, "bcrypt is not supported by cairn", true},
      {"genCA", {S("cn"), I(365)}, "genCA is not supported by cairn", true},
      {"genSelfSignedCert", {}, "genSelfSignedCert is not supported by cairn", true},
      {"getHostByName", {S("localhost")}, "getHostByName is not supported", true},
      {"derivePassword",
       {I(1), S("nope"), S("p"), S("u"), S("s")},
       "cannot find password template nope"},
  });
}

TEST_F(SprigTest, UuidAndRandomBytes) {
  auto u = Call("uuidv4", {});
  ASSERT_TRUE(u.ok());
  const std::string& s = u->as_string();
  ASSERT_EQ(s.size(), 36u);
  EXPECT_EQ(s[8], '-');
  EXPECT_EQ(s[14], '4');
  EXPECT_NE(std::string("89ab").find(s[19]), std::string::npos);
  EXPECT_NE(Call("uuidv4", {})->as_string(), s);
  auto b = Call("randBytes", {I(24)});
  ASSERT_TRUE(b.ok());
  auto raw = Call("b64dec", {*b});
  EXPECT_EQ(raw->as_string().size(), 24u);
}

TEST_F(SprigTest, AesRoundTripAndGoCompatibleDecrypt) {
  auto enc = Call("encryptAES", {S("secretkey"), S("plaintext")});
  ASSERT_TRUE(enc.ok()) << enc.status();
  auto dec = Call("decryptAES", {S("secretkey"), *enc});
  ASSERT_TRUE(dec.ok()) << dec.status();
  EXPECT_EQ(dec->as_string(), "plaintext");
  EXPECT_EQ(Call("encryptAES", {S("k"), S("")})->as_string(), "");
  EXPECT_FALSE(Call("decryptAES", {S("k"), S("AAAA")}).ok());
}

TEST_F(SprigTest, DerivePasswordMatchesSprig) {
  // sprig's own test vector (crypto_test.go).
  auto r = Call("derivePassword", {I(1), S("long"), S("password"), S("user"), S("example.com")});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->as_string(), "ZedaFaxcZaso9*");
}

TEST_F(SprigTest, GenPrivateKey) {
  auto ec = Call("genPrivateKey", {S("ecdsa")});
  ASSERT_TRUE(ec.ok()) << ec.status();
  EXPECT_TRUE(ec->as_string().starts_with("-----BEGIN EC PRIVATE KEY-----\n"));
  auto ed = Call("genPrivateKey", {S("ed25519")});
  ASSERT_TRUE(ed.ok());
  EXPECT_TRUE(ed->as_string().starts_with("-----BEGIN PRIVATE KEY-----\n"));
  EXPECT_EQ(Call("genPrivateKey", {S("foo")})->as_string(), "Unknown type foo");
}

TEST_F(SprigTest, SprigFailIsReplacedByStepFail) {
  auto r = Call("fail", {S("no way")});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(IsFailError(r.status()));
  EXPECT_EQ(r.status().public_message(), "no way");
  FuncMap sprig_only;
  AddSprigFunctions(sprig_only, FuncEnv{});
  auto plain = sprig_only["fail"](std::vector<Value>{S("no way")});
  ASSERT_FALSE(plain.ok());
  EXPECT_FALSE(IsFailError(plain.status()));
}

}  // namespace
}  // namespace cairn::templates
