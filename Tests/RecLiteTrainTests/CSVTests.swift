import Testing
@testable import RecLiteTrain

@Suite struct CSVTests {
  @Test func parsesQuotedFieldsWithCommasQuotesAndNewlines() throws {
    let text = "id,title,genres\r\n1,\"Toy Story, The (1995)\",A|B\n2,\"He said \"\"hi\"\"\",\"\"\n3,\"two\nlines\",C\n"
    let doc = try CSVReader.parse(text, path: "m.csv")
    #expect(doc.header == ["id", "title", "genres"])
    #expect(doc.records.count == 3)
    #expect(doc.records[0].fields == ["1", "Toy Story, The (1995)", "A|B"])
    #expect(doc.records[1].fields == ["2", "He said \"hi\"", ""])
    #expect(doc.records[2].fields == ["3", "two\nlines", "C"])
    #expect(doc.records.map(\.line) == [2, 3, 4])
  }

  @Test func lastRecordWithoutNewlineAndBOM() throws {
    let doc = try CSVReader.parse([0xEF, 0xBB, 0xBF] + Array("a,b\n1,2".utf8), path: "x.csv")
    #expect(doc.header == ["a", "b"])
    #expect(doc.records.first?.fields == ["1", "2"])
  }

  @Test func wrongFieldCountNamesFileAndLine() {
    let text = "userId,movieId,rating,timestamp\n1,2,3.0,100\n1,3,4.0\n"
    #expect(throws: DataFileError(path: "ratings.csv", line: 3, message: "expected 4 fields, found 3")) {
      try CSVReader.parse(text, path: "ratings.csv")
    }
  }

  @Test func lineNumbersCountEmbeddedNewlines() {
    let text = "a,b\n\"x\ny\",1\n2\n"
    do {
      _ = try CSVReader.parse(text, path: "f.csv")
      Issue.record("expected an error")
    } catch let error as DataFileError {
      #expect(error.line == 4)
      #expect(error.description == "f.csv:4: expected 2 fields, found 1")
    } catch { Issue.record("unexpected \(error)") }
  }

  @Test func strayAndUnterminatedQuotesAreErrors() {
    #expect(throws: DataFileError.self) { try CSVReader.parse("a,b\n1,x\"y\n", path: "q.csv") }
    #expect(throws: DataFileError(path: "q.csv", line: 2, message: "unterminated quoted field")) {
      try CSVReader.parse("a,b\n1,\"open\n", path: "q.csv")
    }
    #expect(throws: DataFileError.self) { try CSVReader.parse("a,b\n\"x\"y,1\n", path: "q.csv") }
    #expect(throws: DataFileError(path: "q.csv", line: 3, message: "empty line (expected 2 fields)")) {
      try CSVReader.parse("a,b\n1,2\n\n3,4\n", path: "q.csv")
    }
  }

  @Test func movieLensLoaderReportsBadIntegersWithLine() throws {
    let ratings = try temporaryFile("bad-ratings.csv", "userId,movieId,rating,timestamp\n1,10,4.0,5\nabc,11,3.0,6\n")
    do {
      _ = try MovieLens.load(ratingsPath: ratings, moviesPath: nil)
      Issue.record("expected an error")
    } catch let error as DataFileError {
      #expect(error.line == 3)
      #expect(error.message == "userId \"abc\" is not an integer")
      #expect(error.description.hasSuffix("bad-ratings.csv:3: userId \"abc\" is not an integer"))
    }
  }

  @Test func movieLensLoaderReadsRatingsAndMovies() throws {
    let ratings = try temporaryFile(
      "ratings.csv", "userId,movieId,rating,timestamp\n2,20,4.5,300\n1,10,2.0,100\n1,20,5.0,200\n")
    let movies = try temporaryFile(
      "movies.csv",
      "movieId,title,genres\n10,\"Heat, The (1995)\",Action|Crime\n20,Nameless,(no genres listed)\n30,Other (2001) ,Drama\n")
    let all = try MovieLens.load(ratingsPath: ratings, moviesPath: movies)
    #expect(all.interactions.count == 3)
    #expect(all.interactions[1] == RawInteraction(user: 1, item: 10, timestamp: 100, line: 3))
    #expect(all.items[10] == ItemMetadata(title: "Heat, The (1995)", genres: ["Action", "Crime"], year: 1995))
    #expect(all.items[20]?.year == nil)
    #expect(all.items[30]?.year == 2001)
    let filtered = try MovieLens.load(ratingsPath: ratings, moviesPath: movies, minRating: 4)
    #expect(filtered.interactions.map(\.item) == [20, 20])
    #expect(filtered.rowsFiltered == 1)
    #expect(filtered.rowsRead == 3)
  }

  @Test func yearFromTitle() {
    #expect(MovieLens.yearFromTitle("Toy Story (1995)") == 1995)
    #expect(MovieLens.yearFromTitle("Babylon 5 ") == nil)
    #expect(MovieLens.yearFromTitle("Something (19x5)") == nil)
    #expect(MovieLens.yearFromTitle("(2000)") == 2000)
  }

  @Test func genericInteractionsCSV() throws {
    let path = try temporaryFile(
      "events.csv",
      "uid,iid,clicked,ts,tags,year\n5,1,1,10,a|b,1999\n5,2,0,11,c,\n6,1,1,12,a|b,1999\n6,3,1,13,,2005\n")
    let columns = InteractionColumns(user: "uid", item: "iid", label: "clicked", timestamp: "ts", itemFeatures: ["tags"], itemYear: "year")
    let raw = try InteractionsCSV.load(path: path, columns: columns)
    #expect(raw.interactions.map(\.item) == [1, 1, 3])
    #expect(raw.rowsFiltered == 1)
    #expect(raw.items[1] == ItemMetadata(title: nil, genres: ["a", "b"], year: 1999))
    #expect(raw.items[3] == ItemMetadata(title: nil, genres: [], year: 2005))

    let bad = try temporaryFile("events-bad.csv", "uid,iid,clicked,ts,tags,year\n5,1,1,10,a,1999\n6,1,1,12,b,1999\n")
    #expect(throws: DataFileError(path: bad, line: 3, message: "item 1 has different features than on line 2")) {
      try InteractionsCSV.load(path: bad, columns: columns)
    }
    let missing = InteractionColumns(user: "user", item: "iid")
    #expect(throws: DataFileError.self) { try InteractionsCSV.load(path: path, columns: missing) }
  }
}
