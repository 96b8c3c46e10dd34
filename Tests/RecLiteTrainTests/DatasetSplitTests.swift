import Testing
@testable import RecLiteTrain

@Suite struct DatasetSplitTests {
  func tinyRaw() -> RawData {
    // user 30: 12 interactions; user 10: 3; user 20: 1. Timestamps tie on purpose.
    var interactions: [RawInteraction] = []
    for (k, item) in [50, 40, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150].enumerated() {
      interactions.append(RawInteraction(user: 30, item: Int64(item), timestamp: Int64(k / 2)))
    }
    interactions += [
      RawInteraction(user: 10, item: 60, timestamp: 5),
      RawInteraction(user: 10, item: 40, timestamp: 5),
      RawInteraction(user: 10, item: 50, timestamp: 1),
      RawInteraction(user: 20, item: 40, timestamp: 9),
    ]
    let items: [Int64: ItemMetadata] = [
      40: ItemMetadata(title: "A (1990)", genres: ["Drama", "Comedy"], year: 1990),
      50: ItemMetadata(title: "B", genres: ["Action"], year: nil),
      60: ItemMetadata(title: "C (2004)", genres: [], year: 2004),
    ]
    return RawData(interactions: interactions, items: items, source: "tiny")
  }

  @Test func rowsFollowSortedRawIdsWithOOVLast() throws {
    let data = try Dataset(tinyRaw())
    #expect(data.userIds == [10, 20, 30])
    #expect(data.itemIds == [40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150])
    #expect(data.userRow(20) == 1)
    #expect(data.userRow(25) == nil)
    #expect(data.itemRow(150) == 11)
    #expect(data.genreNames == ["Action", "Comedy", "Drama"])
    #expect(data.genres(ofItem: 0) == ["Comedy", "Drama"])
    #expect(data.features.genres(ofItem: 2).isEmpty)
    #expect(data.features.genres(ofItem: data.itemCount).isEmpty)  // OOV item
    #expect(data.itemTitles[0] == "A (1990)")
    // Years 1990 and 2004 → 5-year buckets from 1990: 1990–94, 95–99, 2000–04.
    #expect(data.yearBuckets == YearBuckets(years: [1990, 2004], width: 5))
    #expect(data.yearBuckets.count == 3)
    #expect(data.features.yearBucket[0] == 0)
    #expect(data.features.yearBucket[2] == 2)
    #expect(data.features.yearBucket[1] == 3)  // unknown year → OOV bucket
    #expect(data.features.yearBucket[data.itemCount] == 3)
    #expect(data.features.genreCount == 3 && data.features.yearBucketCount == 3)
  }

  @Test func duplicatesAreMergedAndCounted() throws {
    var raw = tinyRaw()
    raw.interactions.append(RawInteraction(user: 10, item: 60, timestamp: 99))
    let data = try Dataset(raw)
    #expect(data.duplicatesMerged == 1)
    #expect(data.interactionCount == 16)
  }

  @Test func temporalSplitMatchesHandComputation() throws {
    let data = try Dataset(tinyRaw())
    let split = Split(data)
    // user 30 (row 2): n = 12, k = 1. Sorted by (time, item): times 0,0,1,1,2,2,...
    // items (40,50),(60,70),(80,90),(100,110),(120,130),(140,150) → order by row.
    #expect(Array(split.test.items(of: 2)) == [11])  // item 150
    #expect(Array(split.validation.items(of: 2)) == [10])  // item 140
    #expect(Array(split.train.items(of: 2)) == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    // user 10 (row 0): n = 3, k = 1; order 50 (t1), 40 (t5), 60 (t5) → tie broken by item id.
    #expect(Array(split.train.items(of: 0)) == [1])
    #expect(Array(split.validation.items(of: 0)) == [0])
    #expect(Array(split.test.items(of: 0)) == [2])
    // user 20 (row 1): n = 1 → the one interaction is test.
    #expect(split.test.count(of: 1) == 1 && split.validation.count(of: 1) == 0 && split.train.count(of: 1) == 0)
    #expect(split.train.count + split.validation.count + split.test.count == data.interactionCount)
    #expect(split.train.contains(user: 2, item: 9))
    #expect(!split.train.contains(user: 2, item: 10))
  }

  @Test func splitSizesForLargerUsers() throws {
    // n = 25 → k = 2: 21 / 2 / 2; n = 9 → k = 1: 7 / 1 / 1.
    var interactions: [RawInteraction] = []
    for i in 0..<25 { interactions.append(RawInteraction(user: 1, item: Int64(i), timestamp: Int64(100 - i))) }
    for i in 0..<9 { interactions.append(RawInteraction(user: 2, item: Int64(i), timestamp: Int64(i))) }
    let split = Split(try Dataset(RawData(interactions: interactions, items: [:], source: "t")))
    #expect(split.train.count(of: 0) == 21 && split.validation.count(of: 0) == 2 && split.test.count(of: 0) == 2)
    // user 1's timestamps decrease with item id: the latest are items 0 and 1.
    #expect(Set(split.test.items(of: 0)) == [0, 1])
    #expect(Array(split.validation.items(of: 0)) == [3, 2])
    #expect(split.train.count(of: 1) == 7 && split.validation.count(of: 1) == 1 && split.test.count(of: 1) == 1)
  }
}
