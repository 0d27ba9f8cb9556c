#include "dns/message.h"

#include <gtest/gtest.h>

#include <random>

namespace mdo::dns {
namespace {

using Bytes = std::vector<std::uint8_t>;

// Builds DNS messages byte by byte, so tests can also build broken ones.
class MessageBuilder {
 public:
  explicit MessageBuilder(std::uint8_t rcode = 0, std::uint16_t ancount = 0,
                          std::uint16_t nscount = 0) {
    bytes_ = {0x12,
              0x34,
              0x81,
              static_cast<std::uint8_t>(0x80 | rcode),
              0,
              1,
              static_cast<std::uint8_t>(ancount >> 8),
              static_cast<std::uint8_t>(ancount),
              static_cast<std::uint8_t>(nscount >> 8),
              static_cast<std::uint8_t>(nscount),
              0,
              0};
  }
  MessageBuilder& Name(std::string_view dotted) {
    while (!dotted.empty()) {
      auto dot = dotted.find('.');
      auto label = dotted.substr(0, dot);
      bytes_.push_back(static_cast<std::uint8_t>(label.size()));
      bytes_.insert(bytes_.end(), label.begin(), label.end());
      if (dot == std::string_view::npos) break;
      dotted.remove_prefix(dot + 1);
    }
    bytes_.push_back(0);
    return *this;
  }
  MessageBuilder& Pointer(std::uint16_t offset) {
    return U16(static_cast<std::uint16_t>(0xC000 | offset));
  }
  MessageBuilder& U16(std::uint16_t v) {
    bytes_.push_back(static_cast<std::uint8_t>(v >> 8));
    bytes_.push_back(static_cast<std::uint8_t>(v));
    return *this;
  }
  MessageBuilder& U32(std::uint32_t v) {
    return U16(static_cast<std::uint16_t>(v >> 16)).U16(v & 0xFFFF);
  }
  MessageBuilder& Raw(const Bytes& raw) {
    bytes_.insert(bytes_.end(), raw.begin(), raw.end());
    return *this;
  }
  // Type, class IN, TTL, then RDLENGTH and data.
  MessageBuilder& Rr(std::uint16_t type, std::uint32_t ttl, const Bytes& rdata) {
    return U16(type).U16(1).U32(ttl).U16(static_cast<std::uint16_t>(rdata.size())).Raw(rdata);
  }
  MessageBuilder& Question(std::string_view name, std::uint16_t type) {
    return Name(name).U16(type).U16(1);
  }
  std::size_t size() const { return bytes_.size(); }
  const Bytes& bytes() const { return bytes_; }

 private:
  Bytes bytes_;
};

Bytes NameBytes(std::string_view dotted) {
  MessageBuilder b;
  std::size_t header = b.size();
  b.Name(dotted);
  return Bytes(b.bytes().begin() + static_cast<std::ptrdiff_t>(header), b.bytes().end());
}

Bytes Txt(std::initializer_list<std::string_view> strings) {
  Bytes out;
  for (auto s : strings) {
    out.push_back(static_cast<std::uint8_t>(s.size()));
    out.insert(out.end(), s.begin(), s.end());
  }
  return out;
}

Bytes Soa(std::uint32_t minimum) {
  MessageBuilder b;
  b.Name("ns.example").Name("host.example").U32(1).U32(2).U32(3).U32(4).U32(minimum);
  return Bytes(b.bytes().begin() + 12, b.bytes().end());
}

constexpr std::uint16_t kA = 1, kCname = 5, kSoa = 6, kMx = 15, kTxt = 16, kAaaa = 28;

TEST(MessageTest, ReadsCompressedNames) {
  MessageBuilder b(0, 1);
  b.Question("WWW.Example.COM", kA);
  b.Pointer(12).Rr(kA, 60, {192, 0, 2, 1});
  auto msg = ParseMessage(b.bytes());
  ASSERT_TRUE(msg.ok()) << msg.error().message;
  EXPECT_EQ(msg->question_name, "www.example.com");
  ASSERT_EQ(msg->answers.size(), 1u);
  EXPECT_EQ(msg->answers[0].name, "www.example.com");
  EXPECT_EQ(msg->answers[0].ttl, 60u);
  EXPECT_EQ(*RdataText(b.bytes(), msg->answers[0]), "192.0.2.1");
}

TEST(MessageTest, RejectsPointerLoopsAndForwardPointers) {
  MessageBuilder self(0, 1);
  self.Question("a.example", kA);
  std::uint16_t here = static_cast<std::uint16_t>(self.size());
  self.Pointer(here).Rr(kA, 60, {192, 0, 2, 1});
  auto msg = ParseMessage(self.bytes());
  ASSERT_FALSE(msg.ok());
  EXPECT_NE(msg.error().message.find("backwards"), std::string::npos) << msg.error().message;

  MessageBuilder forward(0, 1);
  forward.Question("a.example", kA);
  forward.Pointer(static_cast<std::uint16_t>(forward.size() + 2)).Rr(kA, 60, {192, 0, 2, 1});
  EXPECT_FALSE(ParseMessage(forward.bytes()).ok());
}

TEST(MessageTest, RejectsOverlongNamesAndCutOffData) {
  std::string long_name;
  for (int i = 0; i < 5; ++i) long_name += std::string(60, 'a') + ".";
  long_name += "example";
  MessageBuilder too_long;
  too_long.Question(long_name, kA);
  EXPECT_FALSE(ParseMessage(too_long.bytes()).ok());

  MessageBuilder cut(0, 1);
  cut.Question("a.example", kA).Pointer(12).Rr(kA, 60, {192, 0, 2, 1});
  Bytes bytes = cut.bytes();
  for (std::size_t len = 0; len < bytes.size(); ++len) {
    Bytes prefix(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(len));
    EXPECT_FALSE(ParseMessage(prefix).ok()) << "prefix of " << len << " bytes";
  }
  EXPECT_TRUE(ParseMessage(bytes).ok());

  // An answer count larger than what follows.
  MessageBuilder lying(0, 60000);
  lying.Question("a.example", kA);
  EXPECT_FALSE(ParseMessage(lying.bytes()).ok());
}

TEST(MessageTest, EscapesUnusualLabelBytes) {
  MessageBuilder b;
  b.Raw({3, 'a', '.', 0x07, 2, 'B', '\\', 0}).U16(kA).U16(1);
  auto msg = ParseMessage(b.bytes());
  ASSERT_TRUE(msg.ok());
  EXPECT_EQ(msg->question_name, "a\\.\\007.b\\\\");
}

TEST(MessageTest, JoinsTxtStringsAndKeepsRecordsApart) {
  MessageBuilder b(0, 2);
  b.Question("t.example", kTxt);
  b.Pointer(12).Rr(kTxt, 300, Txt({"v=spf1 ", "-all"}));
  b.Pointer(12).Rr(kTxt, 200, Txt({"second"}));
  Answer a = AnswerFromMessage(b.bytes(), "T.example.", RecordType::kTxt, "test");
  ASSERT_EQ(a.outcome, Outcome::kData) << a.error;
  EXPECT_EQ(a.name, "t.example");
  EXPECT_EQ(a.records, (std::vector<std::string>{"v=spf1 -all", "second"}));
  EXPECT_EQ(a.ttl, 200u);
}

TEST(MessageTest, TxtStringPastItsRecordIsMalformed) {
  MessageBuilder b(0, 1);
  b.Question("t.example", kTxt);
  b.Pointer(12).Rr(kTxt, 300, {10, 'a', 'b'});
  Answer a = AnswerFromMessage(b.bytes(), "t.example", RecordType::kTxt, "192.0.2.53:53");
  EXPECT_EQ(a.outcome, Outcome::kMalformed);
  EXPECT_NE(a.error.find("192.0.2.53:53"), std::string::npos) << a.error;
  EXPECT_NE(a.error.find("offset"), std::string::npos) << a.error;
}

TEST(MessageTest, FollowsCnameChainWithMinimumTtl) {
  MessageBuilder b(0, 3);
  b.Question("alias.example", kA);
  std::uint16_t owner = 12;
  b.Pointer(owner).Rr(kCname, 77, NameBytes("middle.example"));
  b.Name("middle.example").Rr(kCname, 300, NameBytes("target.example"));
  b.Name("target.example").Rr(kA, 600, {192, 0, 2, 30});
  Answer a = AnswerFromMessage(b.bytes(), "alias.example", RecordType::kA, "test");
  ASSERT_EQ(a.outcome, Outcome::kData) << a.error;
  EXPECT_EQ(a.records, std::vector<std::string>{"192.0.2.30"});
  EXPECT_EQ(a.cname_chain, (std::vector<std::string>{"middle.example", "target.example"}));
  EXPECT_EQ(a.ttl, 77u);
}

TEST(MessageTest, CnameLoopIsAFailureNotAHang) {
  MessageBuilder b(0, 2);
  b.Question("a.example", kA);
  b.Name("a.example").Rr(kCname, 60, NameBytes("b.example"));
  b.Name("b.example").Rr(kCname, 60, NameBytes("a.example"));
  Answer a = AnswerFromMessage(b.bytes(), "a.example", RecordType::kA, "test");
  EXPECT_EQ(a.outcome, Outcome::kServFail);
  EXPECT_NE(a.error.find("CNAME chain"), std::string::npos);
}

TEST(MessageTest, NegativeAnswersTakeTheSoaTtl) {
  MessageBuilder nx(3, 0, 1);
  nx.Question("missing.example", kA).Name("example").Rr(kSoa, 3600, Soa(45));
  Answer a = AnswerFromMessage(nx.bytes(), "missing.example", RecordType::kA, "test");
  EXPECT_EQ(a.outcome, Outcome::kNxDomain);
  EXPECT_EQ(a.ttl, 45u);

  MessageBuilder nodata(0, 0, 1);
  nodata.Question("www.example", kMx).Name("example").Rr(kSoa, 20, Soa(45));
  a = AnswerFromMessage(nodata.bytes(), "www.example", RecordType::kMx, "test");
  EXPECT_EQ(a.outcome, Outcome::kNoData);
  EXPECT_EQ(a.ttl, 20u);

  MessageBuilder no_soa(0);
  no_soa.Question("www.example", kMx);
  a = AnswerFromMessage(no_soa.bytes(), "www.example", RecordType::kMx, "test");
  EXPECT_EQ(a.outcome, Outcome::kNoData);
  EXPECT_EQ(a.ttl, 0u);
}

TEST(MessageTest, RcodesBecomeOutcomes) {
  for (auto [rcode, outcome] : {std::pair{2, Outcome::kServFail},
                                {5, Outcome::kRefused},
                                {1, Outcome::kServFail},
                                {4, Outcome::kServFail}}) {
    MessageBuilder b(static_cast<std::uint8_t>(rcode));
    b.Question("x.example", kA);
    Answer a = AnswerFromMessage(b.bytes(), "x.example", RecordType::kA, "127.0.0.1:53");
    EXPECT_EQ(a.outcome, outcome) << rcode;
    EXPECT_NE(a.error.find("127.0.0.1:53"), std::string::npos) << a.error;
  }
}

TEST(MessageTest, ParsesMxAaaaAndNullMx) {
  MessageBuilder b(0, 2);
  b.Question("example", kMx);
  Bytes mx = {0, 10};
  Bytes target = NameBytes("MX1.example");
  mx.insert(mx.end(), target.begin(), target.end());
  b.Pointer(12).Rr(kMx, 300, mx);
  b.Pointer(12).Rr(kMx, 300, {0, 0, 0});
  Answer a = AnswerFromMessage(b.bytes(), "example", RecordType::kMx, "test");
  ASSERT_EQ(a.outcome, Outcome::kData) << a.error;
  EXPECT_EQ(a.mx, (std::vector<MxRecord>{{10, "mx1.example"}, {0, ""}}));
  EXPECT_TRUE(a.records.empty());

  MessageBuilder six(0, 1);
  six.Question("v6.example", kAaaa);
  six.Pointer(12).Rr(kAaaa, 300, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10});
  a = AnswerFromMessage(six.bytes(), "v6.example", RecordType::kAaaa, "test");
  EXPECT_EQ(a.records, std::vector<std::string>{"2001:db8::10"});

  MessageBuilder bad_a(0, 1);
  bad_a.Question("v4.example", kA).Pointer(12).Rr(kA, 300, {1, 2, 3});
  EXPECT_EQ(AnswerFromMessage(bad_a.bytes(), "v4.example", RecordType::kA, "t").outcome,
            Outcome::kMalformed);
}

// Hostile input: random corruptions of a valid answer never crash and always classify.
TEST(MessageTest, SurvivesRandomCorruption) {
  MessageBuilder b(0, 3, 1);
  b.Question("alias.example", kTxt);
  b.Pointer(12).Rr(kCname, 77, NameBytes("target.example"));
  b.Name("target.example").Rr(kTxt, 300, Txt({"v=spf1 ", "-all"}));
  b.Pointer(12).Rr(kTxt, 300, Txt({"x"}));
  b.Name("example").Rr(kSoa, 3600, Soa(45));
  const Bytes original = b.bytes();
  std::mt19937 rng(12345);
  int malformed = 0;
  for (int round = 0; round < 20000; ++round) {
    Bytes bytes = original;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      std::size_t at = rng() % bytes.size();
      switch (rng() % 3) {
        case 0:
          bytes[at] = static_cast<std::uint8_t>(rng());
          break;
        case 1:
          bytes.resize(at + 1);
          break;
        default:
          bytes[at] = static_cast<std::uint8_t>(0xC0 | (rng() & 0x3F));
          break;
      }
    }
    Answer a = AnswerFromMessage(bytes, "alias.example", RecordType::kTxt, "fuzz");
    if (a.outcome == Outcome::kMalformed) {
      ++malformed;
      EXPECT_FALSE(a.error.empty());
      EXPECT_TRUE(a.records.empty());
    }
    for (const auto& r : a.records) EXPECT_LE(r.size(), bytes.size());
  }
  EXPECT_GT(malformed, 1000);
}

}  // namespace
}  // namespace mdo::dns
