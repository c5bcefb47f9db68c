// `cairn inventory add|remove|list|import|export`, run in process against a CA home in a
// temporary directory, checking what a user sees and what lands in the CA's database.

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "cli/cli_test_util.h"
#include "store/sqlite_store.h"
#include "testing/fakes.h"

namespace cairn::cli {
namespace {

using testing::CliResult;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::ReadAll;
using testing::TempDir;
using testing::WriteAll;
using Json = nlohmann::json;

// Inv runs `cairn inventory <args...>` as `cairn` would, capturing standard output and error;
// standard input reads `stdin_data`.
CliResult Inv(std::vector<std::string> args, const std::string& stdin_data = "") {
  args.insert(args.begin(), "inventory");
  return testing::RunCliWith(RegisterInventoryCommands, args, stdin_data);
}

class InventoryCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = dir_.Join("home");
    std::filesystem::create_directories(home_ + "/config");
    std::filesystem::create_directories(home_ + "/db");
    ::setenv("STEPPATH", home_.c_str(), 1);
    // What the inventory commands read of ca.json is its `db`; step writes the rest.
    WriteCaJson(Json{{"root", "certs/root_ca.crt"},
                     {"crt", "certs/intermediate_ca.crt"},
                     {"key", "secrets/intermediate_ca_key"},
                     {"address", ":9000"},
                     {"dnsNames", {"ca.test"}},
                     {"db", {{"type", "badgerv2"}, {"dataSource", home_ + "/db"}}},
                     {"authority", {{"provisioners", Json::array()}}}});
  }
  void TearDown() override { ::unsetenv("STEPPATH"); }

  void WriteCaJson(const Json& ca) { WriteAll(home_ + "/config/ca.json", ca.dump(1, '\t')); }

  // File writes `content` to a file `name` in the test directory and returns its path.
  std::string File(const std::string& name, const std::string& content) {
    std::string path = dir_.Join(name);
    WriteAll(path, content);
    return path;
  }

  // Ok runs a command that must succeed and returns its standard output.
  std::string Ok(const std::vector<std::string>& args, const std::string& stdin_data = "") {
    CliResult r = Inv(args, stdin_data);
    EXPECT_TRUE(r.status.ok()) << r.status << "\nstderr: " << r.err;
    return r.out;
  }

  // Items returns `cairn inventory list <inventory> --json` as key -> attributes.
  Json Items(const std::string& inventory) {
    Json out = Json::object();
    std::string text = Ok({"list", inventory, "--json"});
    Json arr = Json::parse(text, nullptr, false);
    EXPECT_TRUE(arr.is_array()) << text;
    if (!arr.is_array()) return out;
    for (const Json& e : arr) out[e["key"].get<std::string>()] = e["attributes"];
    return out;
  }

  TempDir dir_;
  std::string home_;
};

TEST_F(InventoryCliTest, AddListRemove) {
  CliResult add = Inv({"add", "people", "alice@example.com", "--attributes",
                       R"({"posixUser": "alice", "groups": ["ops"]})", "--set", "uid=1001", "--set",
                       "shell=/bin/zsh", "--set", "admin=true", "--set", "posixUser=alice2"});
  ASSERT_TRUE(add.status.ok()) << add.status;
  EXPECT_EQ(add.out, "");
  EXPECT_THAT(add.err, HasSubstr("Added item \"alice@example.com\" in inventory \"people\""));
  Ok({"add", "hosts", "vm-1234", "--set", "workload=billing"});
  Ok({"add", "hosts", "vm-0001"});

  EXPECT_EQ(Ok({"list"}), "hosts\npeople\n");
  EXPECT_EQ(Json::parse(Ok({"list", "--json"})), Json({"hosts", "people"}));
  // One line per item, in key order: key, tab, attributes (--set values read as JSON when they
  // are JSON, else as strings; --set wins over --attributes).
  EXPECT_EQ(Ok({"list", "people"}),
            "alice@example.com\t{\"admin\":true,\"groups\":[\"ops\"],\"posixUser\":\"alice2\","
            "\"shell\":\"/bin/zsh\",\"uid\":1001}\n");
  EXPECT_EQ(Ok({"list", "hosts"}), "vm-0001\t{}\nvm-1234\t{\"workload\":\"billing\"}\n");
  const std::string json = Ok({"list", "hosts", "--json"});
  EXPECT_EQ(Json::parse(json), Json::parse(R"([{"key": "vm-0001", "attributes": {}},
                            {"key": "vm-1234", "attributes": {"workload": "billing"}}])"));
  EXPECT_LT(json.find("\"key\""), json.find("\"attributes\""));  // key first

  CliResult removed = Inv({"remove", "hosts", "vm-1234"});
  ASSERT_TRUE(removed.status.ok()) << removed.status;
  EXPECT_THAT(removed.err, HasSubstr("Removed item \"vm-1234\""));
  EXPECT_EQ(Ok({"list", "hosts"}), "vm-0001\t{}\n");

  CliResult again = Inv({"remove", "hosts", "vm-1234"});
  EXPECT_EQ(again.status.code(), StatusCode::kNotFound);
  EXPECT_THAT(again.status.message(), HasSubstr("item not found"));

  Ok({"remove", "hosts", "vm-0001"});
  EXPECT_EQ(Ok({"list"}), "people\n");
  CliResult empty = Inv({"list", "hosts"});
  ASSERT_TRUE(empty.status.ok()) << empty.status;
  EXPECT_EQ(empty.out, "");
  EXPECT_THAT(empty.err, HasSubstr("has no items"));
  EXPECT_EQ(Ok({"list", "hosts", "--json"}), "[]\n");
}

TEST_F(InventoryCliTest, AddReplacesTheItem) {
  Ok({"add", "hosts", "vm-1", "--set", "a=1", "--set", "b=2"});
  CliResult r = Inv({"add", "hosts", "vm-1", "--set", "c=x"});
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_THAT(r.err, HasSubstr("Replaced item \"vm-1\""));
  EXPECT_EQ(Items("hosts"), Json({{"vm-1", {{"c", "x"}}}}));
}

TEST_F(InventoryCliTest, WritesTheCasOwnDatabase) {
  Ok({"add", "hosts", "vm-1", "--set", "workload=billing"});
  // The server opens $STEPPATH/db/cairn.db for a badgerv2 dataSource directory.
  auto st = store::OpenSqliteStore({.path = home_ + "/db/cairn.db"});
  ASSERT_TRUE(st.ok()) << st.status();
  auto item = (*st)->GetInventoryItem("hosts", "vm-1");
  ASSERT_TRUE(item.ok() && item->has_value()) << item.status();
  EXPECT_EQ((*item)->attributes, Json({{"workload", "billing"}}));
  // The CLI works while another store (the server) has the database open.
  Ok({"add", "hosts", "vm-2"});
  EXPECT_TRUE((*(*st)->GetInventoryItem("hosts", "vm-2")).has_value());
  CAIRN_EXPECT_OK((*st)->Close());
}

TEST_F(InventoryCliTest, WorksOnACaMadeByCaInit) {
  const std::string other = dir_.Join("other");
  ::setenv("STEPPATH", other.c_str(), 1);
  const std::string pass = File("pass.txt", "pass\n");
  CliResult init = testing::RunCli({"ca", "init", "--name", "Inv", "--dns", "ca.test", "--address",
                                    ":9000", "--provisioner", "admin", "--password-file", pass});
  ASSERT_TRUE(init.status.ok()) << init.status;
  Ok({"add", "people", "bob@example.com", "--set", "posixUser=bob"});
  EXPECT_EQ(Ok({"list", "people"}), "bob@example.com\t{\"posixUser\":\"bob\"}\n");
  // The first home is untouched, and --ca-config reaches it from anywhere.
  const std::string first = home_ + "/config/ca.json";
  EXPECT_EQ(Ok({"list", "--ca-config", first}), "");
  Ok({"add", "hosts", "vm-1", "--ca-config", first});
  EXPECT_EQ(Ok({"list", "--ca-config", first}), "hosts\n");
  EXPECT_EQ(Ok({"list"}), "people\n");
}

TEST_F(InventoryCliTest, ImportsJsonObjectsAndArrays) {
  const std::string obj = File("people.json", R"({
    "alice@example.com": {"posixUser": "alice", "groups": ["ops"]},
    "bob@example.com": {}
  })");
  CliResult r = Inv({"import", "people", obj});
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_THAT(r.err, HasSubstr("imported 2 items"));
  EXPECT_EQ(Items("people"), Json::parse(R"({
    "alice@example.com": {"posixUser": "alice", "groups": ["ops"]},
    "bob@example.com": {}})"));

  const std::string arr = File("hosts.data", R"([
    {"key": "vm-1", "attributes": {"workload": "billing"}},
    {"key": "vm-2"}
  ])");
  // No recognisable extension: --format is required.
  CliResult guess = Inv({"import", "hosts", arr});
  EXPECT_EQ(guess.status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(guess.status.message(), HasSubstr("--format"));
  r = Inv({"import", "hosts", arr, "--format", "json"});
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_THAT(r.err, HasSubstr("imported 2 items"));
  EXPECT_EQ(Items("hosts"), Json::parse(R"({"vm-1": {"workload": "billing"}, "vm-2": {}})"));

  // Standard input.
  r = Inv({"import", "hosts", "-", "--format", "json"}, R"({"vm-3": {"x": 1}})");
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_THAT(r.err, HasSubstr("imported 1 item "));
  EXPECT_EQ(Items("hosts").size(), 3u);
}

TEST_F(InventoryCliTest, ImportsCsv) {
  const std::string csv = File("hosts.CSV",
                               "\xEF\xBB\xBFhostname,workload,tier,tags,note,owner\r\n"
                               "vm-1,billing,1,\"[\"\"a\"\",\"\"b\"\"]\",\"hello, world\",\r\n"
                               "\r\n"
                               "vm-2,search,\"\"\"007\"\"\",[],\"two\nlines\",ops\n"
                               "vm-3,,true,,plain text,\n");
  CliResult r = Inv({"import", "hosts", csv});
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_THAT(r.err, HasSubstr("imported 3 items"));
  EXPECT_EQ(Items("hosts"), Json::parse(R"({
    "vm-1": {"workload": "billing", "tier": 1, "tags": ["a", "b"], "note": "hello, world"},
    "vm-2": {"workload": "search", "tier": "007", "tags": [], "note": "two\nlines",
             "owner": "ops"},
    "vm-3": {"tier": true, "note": "plain text"}})"));
}

TEST_F(InventoryCliTest, ImportReplace) {
  Ok({"add", "hosts", "old", "--set", "v=0"});
  Ok({"add", "hosts", "vm-1", "--set", "v=0"});
  Ok({"add", "people", "carol", "--set", "v=0"});
  Ok({"import", "hosts", File("a.json", R"({"vm-1": {"v": 1}, "vm-2": {"v": 2}})")});
  EXPECT_EQ(Items("hosts"),
            Json::parse(R"({"old": {"v": 0}, "vm-1": {"v": 1}, "vm-2": {"v": 2}})"));

  CliResult r =
      Inv({"import", "hosts", File("b.json", R"({"vm-2": {"v": 22}, "vm-3": {}})"), "--replace"});
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_THAT(r.err, HasSubstr("imported 2 items"));
  EXPECT_EQ(Items("hosts"), Json::parse(R"({"vm-2": {"v": 22}, "vm-3": {}})"));
  EXPECT_EQ(Items("people"), Json::parse(R"({"carol": {"v": 0}})"));

  Ok({"import", "hosts", File("empty.json", "{}"), "--replace"});
  EXPECT_EQ(Ok({"list"}), "people\n");
}

TEST_F(InventoryCliTest, ExportRoundTrips) {
  const Json items = Json::parse(R"({
    "alice@example.com": {"posixUser": "alice", "groups": ["ops", "dev"], "uid": 1001},
    "b,ob \"the\" builder": {"note": "two\nlines", "zip": "007", "flag": "true",
                             "empty": "", "quoted": "\"q\"", "nested": {"a": {"b": null}},
                             "spaced": " padded ", "num": 1.5, "unicode": "Zoë ☃"},
    "carol": {}
  })");
  Ok({"import", "src", File("src.json", items.dump())});

  // JSON: an object, keys sorted, that imports back to the same items.
  const std::string exported = Ok({"export", "src"});
  EXPECT_EQ(Json::parse(exported), items);
  EXPECT_LT(exported.find("alice@"), exported.find("carol"));
  Ok({"import", "from-json", File("e.json", exported)});
  EXPECT_EQ(Items("from-json"), items);

  // CSV: header "key" plus sorted attribute names; strings that would read back as something
  // else are written JSON-quoted.
  const std::string csv = Ok({"export", "src", "--format", "csv"});
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "key,empty,flag,groups,nested,note,num,posixUser,quoted,spaced,uid,unicode,zip");
  EXPECT_THAT(csv, HasSubstr(",\"\"\"true\"\"\","));  // the string "true", not the boolean
  EXPECT_THAT(csv, HasSubstr(",007\n"));              // not JSON (leading zero): plain
  EXPECT_THAT(csv, HasSubstr("\"b,ob \"\"the\"\" builder\",\"\"\"\"\"\","));  // the key; ""
  Ok({"import", "from-csv", File("e.csv", csv)});
  EXPECT_EQ(Items("from-csv"), items);
  EXPECT_EQ(Ok({"export", "from-csv", "--format", "csv"}), csv);

  // --output: the extension picks the format; the file is private.
  const std::string out = dir_.Join("out.csv");
  CliResult r = Inv({"export", "src", "--output", out});
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(ReadAll(out), csv);
  EXPECT_EQ(testing::Mode(out), 0600);
  Ok({"export", "src", "--output", out, "--format", "json", "--force"});
  EXPECT_EQ(Json::parse(ReadAll(out)), items);

  // An inventory without items exports as empty.
  EXPECT_EQ(Ok({"export", "none"}), "{}\n");
  EXPECT_EQ(Ok({"export", "none", "--format", "csv"}), "key\n");
}

TEST_F(InventoryCliTest, BadInputIsRejectedAndWritesNothing) {
  Ok({"add", "hosts", "keep", "--set", "v=1"});
  struct Case {
    const char* name;
    std::vector<std::string> args;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"bad JSON",
       {"import", "hosts", File("bad.json", "{\"vm-1\": {\"a\": 1},\n  \"vm-2\": ")},
       "line 2"},
      {"JSON attributes not an object",
       {"import", "hosts", File("notobj.json", R"({"vm-1": {}, "vm-2": [1]})")},
       "item \"vm-2\": attributes must be a JSON object"},
      {"JSON duplicate key",
       {"import", "hosts", File("dup.json", R"({"vm-1": {}, "vm-1": {"a": 1}})")},
       "\"vm-1\" appears more than once"},
      {"JSON array element without a key",
       {"import", "hosts", File("nokey.json", R"([{"key": "vm-1"}, {"attributes": {}}])")},
       "element 2: \"key\" must be a string"},
      {"JSON array element with an unknown member",
       {"import", "hosts", File("member.json", R"([{"key": "vm-1", "attrs": {}}])")},
       "unknown member \"attrs\""},
      {"JSON of another shape", {"import", "hosts", File("num.json", "42")}, "expected a JSON"},
      {"JSON with a bad key late",
       {"import", "hosts", File("badkey.json", R"({"vm-1": {}, "vm\t2": {}})")},
       "control characters"},
      {"JSON too deep",
       {"import", "hosts",
        File("deep.json", "{\"vm-1\": " + std::string(40, '[') + std::string(40, ']') + "}")},
       "deeper"},
      {"CSV with an unclosed quote",
       {"import", "hosts", File("bad.csv", "key,a\nvm-1,\"open\nvm-2,x\n")},
       "line 2: quoted field is not closed"},
      {"CSV with a short row",
       {"import", "hosts", File("short.csv", "key,a,b\nvm-1,1,2\nvm-2,1\n")},
       "line 3: 2 fields, but the header has 3"},
      {"CSV with a stray quote",
       {"import", "hosts", File("stray.csv", "key,a\nvm-1,say \"hi\"\n")},
       "line 2: a quote in an unquoted field"},
      {"CSV with a duplicate key",
       {"import", "hosts", File("dupkey.csv", "key,a\nvm-1,1\nvm-1,2\n")},
       "duplicate key"},
      {"CSV with a duplicate column",
       {"import", "hosts", File("dupcol.csv", "key,a,a\nvm-1,1,2\n")},
       "\"a\" appears more than once"},
      {"CSV without a header", {"import", "hosts", File("empty.csv", "")}, "no header row"},
      {"CSV with an empty key",
       {"import", "hosts", File("emptykey.csv", "key,a\n,1\n")},
       "key is empty"},
      {"missing file", {"import", "hosts", dir_.Join("missing.json")}, "missing.json"},
      {"unknown format", {"import", "hosts", File("x.json", "{}"), "--format", "yaml"}, "yaml"},
      {"inventory name with a space", {"add", "my hosts", "vm-1"}, "may only contain"},
      {"inventory name with a slash", {"import", "a/b", File("ok.json", "{}")}, "may only contain"},
      {"inventory name too long", {"list", std::string(65, 'x')}, "longer than 64"},
      {"attributes not JSON", {"add", "hosts", "vm-1", "--attributes", "{oops"}, "--attributes"},
      {"attributes not an object",
       {"add", "hosts", "vm-1", "--attributes", "[1]"},
       "expected a JSON object"},
      {"--set without =", {"add", "hosts", "vm-1", "--set", "novalue"}, "<name>=<value>"},
      {"missing key argument", {"add", "hosts"}, "not enough positional arguments"},
      {"too many arguments", {"remove", "hosts", "a", "b"}, "too many positional arguments"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    CliResult r = Inv(c.args);
    EXPECT_FALSE(r.status.ok());
    EXPECT_THAT(r.status.message(), HasSubstr(c.message));
    EXPECT_THAT(r.err, Not(HasSubstr("imported")));
  }
  EXPECT_EQ(Items("hosts"), Json::parse(R"({"keep": {"v": 1}})"));
  EXPECT_EQ(Ok({"list"}), "hosts\n");
}

TEST_F(InventoryCliTest, ACaWithoutADatabaseHasNoInventories) {
  WriteCaJson(Json{{"root", "certs/root_ca.crt"},
                   {"crt", "certs/intermediate_ca.crt"},
                   {"key", "secrets/intermediate_ca_key"},
                   {"address", ":9000"},
                   {"dnsNames", {"ca.test"}},
                   {"authority", {{"provisioners", Json::array()}}}});
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"list"}, {"add", "hosts", "vm-1"}, {"import", "hosts", File("ok.json", "{}")}}) {
    CliResult r = Inv(args);
    EXPECT_EQ(r.status.code(), StatusCode::kFailedPrecondition) << r.status;
    EXPECT_THAT(r.status.message(), HasSubstr("has no \"db\""));
    EXPECT_THAT(r.status.message(), HasSubstr("inventories"));
  }
  EXPECT_FALSE(testing::Exists(home_ + "/db/cairn.db"));

  CliResult missing = Inv({"list", "--ca-config", dir_.Join("nope/ca.json")});
  EXPECT_EQ(missing.status.code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.status.message(), HasSubstr("nope/ca.json does not exist"));
}

}  // namespace
}  // namespace cairn::cli
