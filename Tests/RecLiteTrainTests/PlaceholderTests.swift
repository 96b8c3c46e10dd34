import Testing
@testable import RecLiteTrain
@Test func placeholder() { #expect(true) }
