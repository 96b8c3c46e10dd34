/// The four id-field embedding tables both trainable models start from — user, item, genre and
/// year bucket, each `[rows + 1][width]` with the out-of-vocabulary row last — their random
/// start and their parameter slots, written once for DeepFM and TwoTower.
enum FieldTables {
  /// Tables drawn from N(0, std²), in the order user, item, genre, year.
  static func random(
    userCount: Int, itemCount: Int, features: ItemFeatures, width: Int, std: Float, random: inout SeededRandom
  ) -> (user: [Float], item: [Float], genre: [Float], year: [Float]) {
    func table(_ rows: Int) -> [Float] { (0..<(rows * width)).map { _ in random.normal() * std } }
    return (table(userCount + 1), table(itemCount + 1), table(features.genreCount + 1), table(features.yearBucketCount + 1))
  }

  /// The tables' slots (sparse rows, L2-regularised) in the order user, item, genre, year: a
  /// model's first four slots, which its backward pass indexes as 0...3.
  static func slots<Model>(
    _ user: WritableKeyPath<Model, [Float]>, _ item: WritableKeyPath<Model, [Float]>,
    _ genre: WritableKeyPath<Model, [Float]>, _ year: WritableKeyPath<Model, [Float]>,
    userCount: Int, itemCount: Int, features: ItemFeatures, width: Int
  ) -> [ParameterSlot<Model>] {
    let rows = [userCount + 1, itemCount + 1, features.genreCount + 1, features.yearBucketCount + 1]
    return zip(["user_embedding", "item_embedding", "genre_embedding", "year_embedding"], zip(rows, [user, item, genre, year]))
      .map { name, table in
        ParameterSlot(name: name, shape: [table.0, width], path: table.1, sparseRowWidth: width, decays: true)
      }
  }
}
