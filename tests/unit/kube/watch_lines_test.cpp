// Unit tests: LineSplitter across arbitrary chunk boundaries and parseWatchEvent.
// Thread-safety: single-threaded tests.
#include <gtest/gtest.h>

#include <random>

#include "modelops/kube/watch_lines.h"

namespace modelops::kube {
namespace {

std::vector<std::string> splitInChunks(const std::string& stream, const std::vector<std::size_t>& cuts) {
  LineSplitter splitter;
  std::vector<std::string> lines;
  std::size_t pos = 0;
  auto collect = [&](std::string_view line) {
    lines.emplace_back(line);
    return true;
  };
  for (std::size_t cut : cuts) {
    EXPECT_TRUE(splitter.feed(std::string_view(stream).substr(pos, cut - pos), collect));
    pos = cut;
  }
  EXPECT_TRUE(splitter.feed(std::string_view(stream).substr(pos), collect));
  EXPECT_TRUE(splitter.pending().empty());
  return lines;
}

// Three lines with 2-, 3- and 4-byte UTF-8 characters, a CRLF ending and a blank line.
const std::string kStream = "{\"a\":\"é\"}\n{\"b\":\"日本\"}\r\n\n{\"c\":\"🚀\"}\n";
const std::vector<std::string> kLines = {"{\"a\":\"é\"}", "{\"b\":\"日本\"}", "{\"c\":\"🚀\"}"};

TEST(LineSplitter, EverySingleAndDoubleCutGivesTheSameLines) {
  for (std::size_t i = 0; i <= kStream.size(); ++i) {
    EXPECT_EQ(splitInChunks(kStream, {i}), kLines) << "cut at " << i;
    for (std::size_t j = i; j <= kStream.size(); ++j) EXPECT_EQ(splitInChunks(kStream, {i, j}), kLines) << i << "," << j;
  }
}

TEST(LineSplitter, OneByteChunksAndRandomChunkings) {
  std::vector<std::size_t> everyByte;
  for (std::size_t i = 1; i < kStream.size(); ++i) everyByte.push_back(i);
  EXPECT_EQ(splitInChunks(kStream, everyByte), kLines);
  std::string big;
  std::vector<std::string> expected;
  for (int i = 0; i < 500; ++i) {
    expected.push_back("{\"n\":" + std::to_string(i) + ",\"s\":\"ü日🚀\"}");
    big += expected.back() + "\n";
  }
  std::mt19937 rng(12345);
  for (int round = 0; round < 50; ++round) {
    std::vector<std::size_t> cuts;
    for (std::size_t pos = 0;;) {
      pos += 1 + rng() % 23;
      if (pos >= big.size()) break;
      cuts.push_back(pos);
    }
    ASSERT_EQ(splitInChunks(big, cuts), expected) << "round " << round;
  }
}

TEST(LineSplitter, ManyLinesInOneChunkAndAnUnterminatedTail) {
  LineSplitter splitter;
  std::vector<std::string> lines;
  ASSERT_TRUE(splitter.feed("a\nb\nc\npartial", [&](std::string_view l) { return lines.emplace_back(l), true; }));
  EXPECT_EQ(lines, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(splitter.pending(), "partial");
}

TEST(LineSplitter, StopsWhenTheCallbackSaysSo) {
  LineSplitter splitter;
  int calls = 0;
  EXPECT_FALSE(splitter.feed("a\nb\nc\n", [&](std::string_view) { return ++calls < 2; }));
  EXPECT_EQ(calls, 2);
}

TEST(LineSplitter, BoundsALineThatNeverEnds) {
  LineSplitter splitter(16);
  int calls = 0;
  auto count = [&](std::string_view) { return ++calls, true; };
  EXPECT_TRUE(splitter.feed("0123456789", count));
  EXPECT_FALSE(splitter.feed("0123456789", count));
  EXPECT_TRUE(splitter.overflowed());
  EXPECT_FALSE(splitter.feed("\n", count));
  EXPECT_EQ(calls, 0);
  LineSplitter single(4);
  EXPECT_FALSE(single.feed("abcdefgh\n", count));  // too long within one chunk
  EXPECT_TRUE(single.overflowed());
}

TEST(ParseWatchEvent, AllTypesAndBadInput) {
  for (auto [text, type] : {std::pair{"ADDED", WatchEvent::Type::Added}, std::pair{"MODIFIED", WatchEvent::Type::Modified},
                            std::pair{"DELETED", WatchEvent::Type::Deleted}, std::pair{"BOOKMARK", WatchEvent::Type::Bookmark},
                            std::pair{"ERROR", WatchEvent::Type::Error}}) {
    auto event = parseWatchEvent(std::string("{\"type\":\"") + text + "\",\"object\":{\"kind\":\"X\"}}");
    ASSERT_TRUE(event.ok()) << text;
    EXPECT_EQ(event->type, type);
    EXPECT_EQ(event->object["kind"], "X");
    EXPECT_STREQ(watchEventTypeName(type), text);
  }
  for (const char* bad : {"{not json", "[1]", "{\"object\":{}}", "{\"type\":\"ADDED\"}", "{\"type\":\"NEW\",\"object\":{}}",
                          "{\"type\":1,\"object\":{}}", "{\"type\":\"ADDED\",\"object\":\"s\"}"}) {
    auto event = parseWatchEvent(bad);
    ASSERT_FALSE(event.ok()) << bad;
    EXPECT_EQ(event.error().reason, "BadResponse");
    EXPECT_EQ(event.error().code, 0);
  }
}

}  // namespace
}  // namespace modelops::kube
