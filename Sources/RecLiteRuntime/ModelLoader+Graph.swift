// Graph checks: features, ops (arity, types, shapes, stages, order),
// signatures, catalog and the memory plan.

import CRecLiteFormat

extension ModelLoader {
  mutating func readFeatures() throws(RecLiteError) {
    var info = rlf_model_info()
    rlf_model_info_get(bytes, &info)
    guard info.feature_count >= 1 && info.feature_count <= 1024 else {
      throw RecLiteError(.badModel, "model has \(info.feature_count) features (1 to 1024 allowed)")
    }
    try graph.features.fallibleReserveCapacity(Int(info.feature_count), for: "the feature table")
    for index in 0..<Int(info.feature_count) {
      var raw = rlf_feature()
      rlf_feature_get(bytes, UInt32(index), &raw)
      var feature = FeatureInfo()
      feature.name = StringRef(raw.name)
      guard !feature.name.isEmpty else { throw RecLiteError(.badModel, "feature \(index) has no name") }
      guard let kind = FeatureKind(rawValue: raw.kind) else {
        throw RecLiteError(.unsupported, "feature \(index) (\(feature.name)): unknown kind \(Int(raw.kind))")
      }
      feature.kind = kind
      // Rows travel as Int32 and the OOV row's successor is a row count: both stay below
      // Int32.max, so row + 1 fits Int32 and, where Int has 32 bits, Int.
      guard raw.num_rows < UInt32(Int32.max) else {
        throw RecLiteError(.badModel, "feature \(index) (\(feature.name)): row count \(raw.num_rows) is not below \(Int32.max)")
      }
      guard raw.oov_row < UInt32(Int32.max) else {
        throw RecLiteError(
          .badModel, "feature \(index) (\(feature.name)): out-of-vocabulary row \(raw.oov_row) is not below \(Int32.max)")
      }
      feature.rowCount = Int(raw.num_rows)
      feature.oovRow = Int(raw.oov_row)
      for other in graph.features where other.name.count == feature.name.count {
        if let a = other.name.base, let b = feature.name.base, memoryEqual(a, b, feature.name.count) {
          throw RecLiteError(.badModel, "feature \(index): name \"\(feature.name)\" is used twice")
        }
      }
      if raw.vocabulary >= 0 {
        feature.vocabularyTensor = Int(raw.vocabulary)
        feature.vocabulary = try vocabulary(of: feature, index: index)
      }
      feature.input = Int(raw.input)
      try checkFeatureInput(feature, index: index)
      graph.tensors[feature.input].stage = kind == .item ? .candidate : .request
      switch kind {
      case .user:
        guard graph.userFeature < 0 else { throw RecLiteError(.badModel, "feature \(index): a second user feature") }
        graph.userFeature = index
      case .item:
        guard graph.itemFeature < 0 else { throw RecLiteError(.badModel, "feature \(index): a second item feature") }
        graph.itemFeature = index
      case .context:
        break
      }
      graph.features.append(feature)
    }
    guard graph.itemFeature >= 0 else { throw RecLiteError(.badModel, "model has no item feature") }
  }

  private func vocabulary(of feature: FeatureInfo, index: Int) throws(RecLiteError) -> UnsafePointer<Int64> {
    let t = feature.vocabularyTensor
    guard t < graph.tensors.count else {
      throw RecLiteError(.badModel, "feature \(index) (\(feature.name)): vocabulary tensor \(t) out of range (have \(graph.tensors.count))")
    }
    let tensor = graph.tensors[t]
    guard tensor.isConstant, tensor.rank == 1, tensor.dims.0 == feature.rowCount,
      let values = try int64Vocabulary(tensor, label: tensorLabel(t))
    else {
      throw RecLiteError(
        .badModel, "feature \(index) (\(feature.name)): vocabulary \(tensorLabel(t)) must be a constant int64, int32 or uint8 vector of \(feature.rowCount) values")
    }
    if feature.rowCount > 1 {
      for i in 1..<feature.rowCount where values[i - 1] >= values[i] {
        throw RecLiteError(.badModel, "feature \(index) (\(feature.name)): vocabulary is not sorted at position \(i)")
      }
    }
    return values
  }

  private func checkFeatureInput(_ feature: FeatureInfo, index: Int) throws(RecLiteError) {
    let t = feature.input
    guard t >= 0 && t < graph.tensors.count else {
      throw RecLiteError(.badModel, "feature \(index) (\(feature.name)): input tensor \(t) out of range (have \(graph.tensors.count))")
    }
    let tensor = graph.tensors[t]
    let rows = feature.kind == .item ? -1 : 1
    guard !tensor.isConstant, tensor.type == .int32, tensor.rank == 1, tensor.dims.0 == rows else {
      throw RecLiteError(.badModel, "feature \(index) (\(feature.name)): input \(tensorLabel(t)) must be an int32 activation of shape [\(rows)]")
    }
    for other in graph.features where other.input == t {
      throw RecLiteError(.badModel, "feature \(index) (\(feature.name)): shares input \(tensorLabel(t)) with feature \(other.name)")
    }
  }

  /// The feature whose input is tensor `t`, if any.
  func feature(feeding t: Int) -> FeatureInfo? {
    for feature in graph.features where feature.input == t { return feature }
    return nil
  }

  mutating func readOps() throws(RecLiteError) {
    var info = rlf_model_info()
    rlf_model_info_get(bytes, &info)
    try reserveOpTables(opCount: Int(info.op_count))
    var available = try [Bool](fallibleRepeating: false, count: graph.tensors.count, for: "the op checks")
    for (i, tensor) in graph.tensors.enumerated() where tensor.isConstant { available[i] = true }
    for feature in graph.features { available[feature.input] = true }
    for index in 0..<Int(info.op_count) {
      var raw = rlf_op()
      rlf_op_get(bytes, UInt32(index), &raw)
      guard let code = OpCode(rawValue: raw.code) else {
        throw RecLiteError(.unsupported, "op \(index): unknown op code \(UInt32(raw.code))")
      }
      var op = OpInfo()
      op.code = code
      graph.ops.append(op)
      guard let activation = Activation(rawValue: raw.activation) else {
        throw RecLiteError(.unsupported, "\(opLabel(index)): unknown activation \(Int(raw.activation))")
      }
      guard let bagMode = BagMode(rawValue: raw.bag_mode) else {
        throw RecLiteError(.unsupported, "\(opLabel(index)): unknown bag mode \(Int(raw.bag_mode))")
      }
      op.activation = activation
      op.bagMode = bagMode
      op.inputStart = graph.opInputs.count
      op.inputCount = Int(raw.input_count)
      guard op.inputCount <= 64 else {
        throw RecLiteError(.badModel, "\(opLabel(index)): \(op.inputCount) inputs (at most 64)")
      }
      for position in 0..<op.inputCount {
        let t = Int(raw.inputs[position])
        guard t >= -1 && t < graph.tensors.count else {
          throw RecLiteError(.badModel, "\(opLabel(index)): input \(position) is tensor \(t), out of range (have \(graph.tensors.count))")
        }
        if t >= 0 && !available[t] {
          throw RecLiteError(.badModel, "\(opLabel(index)): input \(position) (\(tensorLabel(t))) is not computed before this op")
        }
        graph.opInputs.append(t)
      }
      let outputs = code == .topK ? 0 : 1
      guard Int(raw.output_count) == outputs else {
        throw RecLiteError(.badModel, "\(opLabel(index)): \(raw.output_count) outputs, expected \(outputs)")
      }
      if outputs == 1 {
        let t = Int(raw.outputs[0])
        guard t >= 0 && t < graph.tensors.count else {
          throw RecLiteError(.badModel, "\(opLabel(index)): output tensor \(t) out of range (have \(graph.tensors.count))")
        }
        guard !available[t] else {
          throw RecLiteError(.badModel, "\(opLabel(index)): output \(tensorLabel(t)) is a constant, an input or already computed")
        }
        op.output = t
      }
      graph.ops[index] = op
      let (stage, width) = try inferOp(index)
      graph.ops[index].stage = stage
      if code == .topK {
        guard graph.topKOp < 0 else { throw RecLiteError(.badModel, "\(opLabel(index)): a second TOP_K op") }
        graph.topKOp = index
        continue
      }
      let out = graph.tensors[op.output]
      let rows = stage == .candidate ? -1 : 1
      guard out.type == .float32, out.rank == 2, out.dims.0 == rows, out.dims.1 == width else {
        throw RecLiteError(
          .badModel, "\(opLabel(index)): output \(tensorLabel(op.output)) must be float32 [\(rows), \(width)], file says [\(out.dims.0), \(out.dims.1)]")
      }
      graph.tensors[op.output].stage = stage
      available[op.output] = true
      if stage == .candidate { graph.candidateOps.append(index) } else { graph.requestOps.append(index) }
    }
    if graph.topKOp >= 0 && graph.topKOp != graph.ops.count - 1 {
      throw RecLiteError(.badModel, "\(opLabel(graph.topKOp)): TOP_K must be the last op")
    }
  }

  /// Gives the op tables their final capacity, so reading the ops never grows them: the
  /// inputs of ops that pass the 64-input limit fit in the sum of min(inputs, 64).
  private mutating func reserveOpTables(opCount: Int) throws(RecLiteError) {
    var inputs = 0
    for index in 0..<opCount {
      var raw = rlf_op()
      rlf_op_get(bytes, UInt32(index), &raw)
      inputs += min(Int(raw.input_count), 64)
    }
    try graph.ops.fallibleReserveCapacity(opCount, for: "the op table")
    try graph.opInputs.fallibleReserveCapacity(inputs, for: "the op inputs")
    try graph.requestOps.fallibleReserveCapacity(opCount, for: "the request ops")
    try graph.candidateOps.fallibleReserveCapacity(opCount, for: "the candidate ops")
  }

  /// A float32 activation input of an op.
  private func activationInput(_ index: Int, _ position: Int) throws(RecLiteError) -> TensorInfo {
    let op = graph.ops[index]
    let t = graph.input(op, position)
    guard t >= 0 else { throw RecLiteError(.badModel, "\(opLabel(index)): input \(position) is missing") }
    let tensor = graph.tensors[t]
    guard !tensor.isConstant, tensor.type == .float32, tensor.rank == 2 else {
      throw RecLiteError(.badModel, "\(opLabel(index)): input \(position) (\(tensorLabel(t))) must be a float32 activation [n, d]")
    }
    return tensor
  }

  private func requireInputs(_ index: Int, _ low: Int, _ high: Int) throws(RecLiteError) {
    let count = graph.ops[index].inputCount
    guard count >= low && count <= high else {
      throw RecLiteError(.badModel, "\(opLabel(index)): \(count) inputs, expected \(low)–\(high)")
    }
  }

  /// Checks an op's inputs and returns its output's stage and width.
  private func inferOp(_ index: Int) throws(RecLiteError) -> (Stage, Int) {
    let op = graph.ops[index]
    switch op.code {
    case .embeddingLookup, .embeddingBag:
      try requireInputs(index, op.code == .embeddingLookup ? 2 : 4, op.code == .embeddingLookup ? 2 : 4)
      return try inferEmbedding(index)
    case .dense:
      try requireInputs(index, 2, 3)
      return try inferDense(index)
    case .concat:
      try requireInputs(index, 1, 64)
      var stage = Stage.request
      var width = 0
      for position in 0..<op.inputCount {
        let x = try activationInput(index, position)
        stage = max(stage, x.stage)
        width += x.width
      }
      return (stage, width)
    case .add, .mul, .dot, .fmInteraction:
      let binary = op.code != .fmInteraction
      try requireInputs(index, 2, binary ? 2 : 64)
      let first = try activationInput(index, 0)
      var stage = first.stage
      for position in 1..<op.inputCount {
        let x = try activationInput(index, position)
        guard x.width == first.width else {
          throw RecLiteError(.badModel, "\(opLabel(index)): input widths \(first.width) and \(x.width) differ")
        }
        stage = max(stage, x.stage)
      }
      return (stage, op.code == .add || op.code == .mul ? first.width : 1)
    case .sigmoid:
      try requireInputs(index, 1, 1)
      let x = try activationInput(index, 0)
      return (x.stage, x.width)
    case .topK:
      try requireInputs(index, 1, 1)
      let x = try activationInput(index, 0)
      guard x.stage == .candidate && x.width == 1 else {
        throw RecLiteError(.badModel, "\(opLabel(index)): input must be per-candidate scores [-1, 1]")
      }
      return (.candidate, 1)
    }
  }

  private func inferEmbedding(_ index: Int) throws(RecLiteError) -> (Stage, Int) {
    let op = graph.ops[index]
    let tableIndex = graph.input(op, 0)
    let idsIndex = graph.input(op, 1)
    guard tableIndex >= 0 && idsIndex >= 0 else {
      throw RecLiteError(.badModel, "\(opLabel(index)): table and ids are required")
    }
    let table = graph.tensors[tableIndex]
    let plainFloat = (table.type == .float32 || table.type == .float16) && table.quantization.kind == .none
    guard table.isConstant, table.rank == 2, !table.isSparse, plainFloat || table.quantization.kind == .rowWise else {
      throw RecLiteError(
        .badModel, "\(opLabel(index)): table \(tensorLabel(tableIndex)) must be a 2-D float32, float16 or row-wise quantized constant")
    }
    guard let feature = feature(feeding: idsIndex) else {
      throw RecLiteError(.badModel, "\(opLabel(index)): ids \(tensorLabel(idsIndex)) must be a feature input")
    }
    // Every row a request can produce: known rows and the OOV row.
    let reachable = max(feature.rowCount, feature.oovRow + 1)
    if op.code == .embeddingLookup {
      let rows = logicalRows(tableIndex)
      guard reachable <= rows else {
        throw RecLiteError(
          .badModel, "\(opLabel(index)): feature \(feature.name) reaches row \(reachable - 1), \(tensorLabel(tableIndex)) has \(rows)")
      }
    } else {
      let offsets = try int32Vector(graph.input(op, 2), of: tableIndex, "bag offsets")
      let values = try int32Vector(graph.input(op, 3), of: tableIndex, "bag values")
      guard offsets.count >= 1 && reachable <= offsets.count - 1 else {
        throw RecLiteError(
          .badModel, "\(opLabel(index)): feature \(feature.name) reaches row \(reachable - 1), bag offsets cover \(offsets.count - 1)")
      }
      let rows = logicalRows(tableIndex)
      let table = tensorLabel(tableIndex)
      try checkCompressedRows(
        opLabel(index), offsets, "bag offsets", values: values, below: rows,
        outOfRange: { i, value in "bag value \(i) is row \(value), \(table) has \(rows)" })
    }
    return (graph.tensors[idsIndex].stage, table.dims.1)
  }

  private func inferDense(_ index: Int) throws(RecLiteError) -> (Stage, Int) {
    let op = graph.ops[index]
    let x = try activationInput(index, 0)
    let weightIndex = graph.input(op, 1)
    guard weightIndex >= 0 else { throw RecLiteError(.badModel, "\(opLabel(index)): weight is required") }
    let weight = graph.tensors[weightIndex]
    let q = weight.quantization.kind
    let supported =
      (weight.type == .float32 && q == .none) || (weight.type == .float16 && q == .none && !weight.isSparse)
      || (weight.type == .int8 && (q == .perTensor || (q == .perChannel && weight.quantization.axis == 0)))
    guard weight.isConstant, weight.rank == 2, supported else {
      throw RecLiteError(
        .badModel, "\(opLabel(index)): weight \(tensorLabel(weightIndex)) must be a 2-D float32, float16 or int8 (per-tensor or per-output-channel) constant")
    }
    guard weight.dims.1 == x.width else {
      throw RecLiteError(.badModel, "\(opLabel(index)): weight takes \(weight.dims.1) inputs, input is \(x.width) wide")
    }
    if op.inputCount == 3, graph.input(op, 2) >= 0 {
      let biasIndex = graph.input(op, 2)
      let bias = graph.tensors[biasIndex]
      guard bias.isConstant, bias.type == .float32, bias.quantization.kind == .none, bias.rank == 1,
        bias.dims.0 == weight.dims.0
      else {
        throw RecLiteError(.badModel, "\(opLabel(index)): bias \(tensorLabel(biasIndex)) must be a float32 vector of \(weight.dims.0)")
      }
    }
    return (x.stage, weight.dims.0)
  }

  mutating func readSignatures() throws(RecLiteError) {
    var info = rlf_model_info()
    rlf_model_info_get(bytes, &info)
    var recommendOutput = -1
    for index in 0..<Int(info.signature_count) {
      var raw = rlf_signature()
      rlf_signature_get(bytes, UInt32(index), &raw)
      let name = StringRef(raw.name)
      let isScore = name.equals("score")
      guard isScore || name.equals("recommend") else { continue }  // unknown signatures are for newer readers
      guard raw.output_count == 1 else {
        throw RecLiteError(.badModel, "signature \(name): \(raw.output_count) outputs, expected 1")
      }
      let t = Int(raw.outputs[0])
      guard t >= 0 && t < graph.tensors.count else {
        throw RecLiteError(.badModel, "signature \(name): output tensor \(t) out of range (have \(graph.tensors.count))")
      }
      let tensor = graph.tensors[t]
      guard !tensor.isConstant, tensor.type == .float32, tensor.stage == .candidate, tensor.width == 1,
        graph.ops.contains(where: { $0.output == t })
      else {
        throw RecLiteError(.badModel, "signature \(name): output \(tensorLabel(t)) must be computed per-candidate scores [-1, 1]")
      }
      if isScore { graph.scoreOutput = t } else { recommendOutput = t }
    }
    guard graph.scoreOutput >= 0 else { throw RecLiteError(.badModel, "model has no \"score\" signature") }
    if recommendOutput >= 0 || graph.topKOp >= 0 {
      guard graph.topKOp >= 0, recommendOutput == graph.input(graph.ops[graph.topKOp], 0) else {
        throw RecLiteError(.badModel, "the \"recommend\" signature's output must be the input of the TOP_K op")
      }
      graph.rankOutput = recommendOutput
    }
  }

  mutating func readCatalog() throws(RecLiteError) {
    var info = rlf_model_info()
    rlf_model_info_get(bytes, &info)
    guard info.has_catalog != 0 else {
      if graph.topKOp >= 0 { throw RecLiteError(.badModel, "the \"recommend\" signature needs a catalog") }
      return
    }
    var raw = rlf_catalog()
    rlf_catalog_get(bytes, &raw)
    var catalog = CatalogInfo()
    guard raw.feature < UInt32(graph.features.count), graph.features[Int(raw.feature)].kind == .item else {
      throw RecLiteError(.badModel, "catalog: feature \(raw.feature) is not the item feature")
    }
    catalog.feature = Int(raw.feature)
    let rows = graph.features[catalog.feature].rowCount
    catalog.titleCount = Int(raw.title_count)
    guard catalog.titleCount == 0 || catalog.titleCount == rows else {
      throw RecLiteError(.badModel, "catalog: \(catalog.titleCount) titles for \(rows) items")
    }
    catalog.popularity = raw.popularity
    catalog.popularityCount = Int(raw.popularity_count)
    if let popularity = raw.popularity {
      var seen = try [Bool](fallibleRepeating: false, count: rows, for: "the popularity check")
      for i in 0..<catalog.popularityCount {
        let row = Int(popularity[i])
        guard row >= 0 && row < rows else {
          throw RecLiteError(.badModel, "catalog: popularity entry \(i) is row \(row) (have \(rows) items)")
        }
        guard !seen[row] else { throw RecLiteError(.badModel, "catalog: popularity lists row \(row) twice") }
        seen[row] = true
      }
    }
    graph.catalog = catalog
  }

  mutating func readPlan(_ check: PlanCheck) throws(RecLiteError) {
    var raw = rlf_plan()
    rlf_plan_get(bytes, &raw)
    guard raw.max_batch >= 1 && raw.max_batch <= UInt32(ModelLoader.maxBatchLimit) else {
      throw RecLiteError(.badModel, "memory plan: batch \(raw.max_batch) outside 1–\(ModelLoader.maxBatchLimit)")
    }
    graph.maxBatch = Int(raw.max_batch)
    let (offsets, total) = try planActivations(planRequests())
    if check == .verify {
      guard Int(raw.offset_count) == graph.tensors.count, let stored = raw.offsets else {
        throw RecLiteError(.badModel, "memory plan: \(raw.offset_count) offsets for \(graph.tensors.count) tensors")
      }
      for t in 0..<graph.tensors.count where stored[t] != Int64(offsets[t]) {
        throw RecLiteError(.badModel, "memory plan: \(tensorLabel(t)) at offset \(stored[t]), planner gives \(offsets[t])")
      }
      guard raw.arena_bytes == UInt64(total) else {
        throw RecLiteError(.badModel, "memory plan: arena of \(raw.arena_bytes) bytes, planner gives \(total)")
      }
    }
    for t in 0..<graph.tensors.count { graph.tensors[t].arenaOffset = offsets[t] }
    graph.plannedBytes = total
    guard let arena = ModelGraph.arenaBytes(plannedBytes: total, items: graph.catalogSize) else {
      throw RecLiteError(
        .badModel, "memory plan: \(total) bytes of activations and a bitmap of \(graph.catalogSize) items exceed the largest arena this library can address (\(MemoryPlanner.maxArenaBytes) bytes)")
    }
    graph.arenaBytes = arena
  }

  /// The op run at `position` of a request: the request ops, then the candidate ops.
  private func op(inExecutionOrder position: Int) -> Int {
    let requestSteps = graph.requestOps.count
    return position < requestSteps ? graph.requestOps[position] : graph.candidateOps[position - requestSteps]
  }

  /// One plan request per activation tensor, with lifetimes in execution
  /// order: step 0 writes the request's feature inputs, then the request ops,
  /// then (replayed for every chunk) the item input and the candidate ops.
  /// Values read across chunks live until the last step.
  private func planRequests() throws(RecLiteError) -> [PlanRequest?] {
    let requestSteps = graph.requestOps.count
    let lastStep = requestSteps + graph.candidateOps.count
    var step = try [Int](fallibleRepeating: 0, count: graph.ops.count, for: "the memory plan")
    for (i, op) in graph.requestOps.enumerated() { step[op] = 1 + i }
    for (i, op) in graph.candidateOps.enumerated() { step[op] = requestSteps + 1 + i }
    var first = try [Int](fallibleRepeating: 0, count: graph.tensors.count, for: "the memory plan")
    var last = try [Int](fallibleRepeating: 0, count: graph.tensors.count, for: "the memory plan")
    for feature in graph.features where feature.kind == .item {
      first[feature.input] = requestSteps + 1
      last[feature.input] = requestSteps + 1
    }
    for position in 0..<lastStep {
      let index = op(inExecutionOrder: position)
      let op = graph.ops[index]
      first[op.output] = step[index]
      last[op.output] = step[index]
    }
    for position in 0..<lastStep {
      let index = op(inExecutionOrder: position)
      let op = graph.ops[index]
      for input in 0..<op.inputCount {
        let t = graph.input(op, input)
        guard t >= 0, !graph.tensors[t].isConstant else { continue }
        let crossesChunks = op.stage == .candidate && graph.tensors[t].stage != .candidate
        last[t] = max(last[t], crossesChunks ? lastStep : step[index])
      }
    }
    last[graph.scoreOutput] = lastStep
    if graph.topKOp >= 0 { last[graph.input(graph.ops[graph.topKOp], 0)] = lastStep }
    var requests: [PlanRequest?] = []
    try requests.fallibleReserveCapacity(graph.tensors.count, for: "the memory plan")
    for (t, tensor) in graph.tensors.enumerated() {
      if tensor.isConstant {
        requests.append(nil)
      } else {
        let rows = tensor.stage == .candidate ? graph.maxBatch : 1
        // An overflowing size becomes Int.max, which the planner rejects naming the tensor.
        let (elements, tooMany) = rows.multipliedReportingOverflow(by: tensor.width)
        let (bytes, tooLarge) = elements.multipliedReportingOverflow(by: MemoryLayout<Float>.size)
        requests.append(PlanRequest(size: tooMany || tooLarge ? Int.max : bytes, firstUse: first[t], lastUse: last[t]))
      }
    }
    return requests
  }
}

extension ModelLoader {
  /// Scores and ranks on the logit when the score ends in a sigmoid (a SIGMOID op, or an op's
  /// sigmoid activation, whose output nothing else reads): σ is monotone, so the order is the
  /// model's, and float32's σ rounds every logit above ≈ 16.6 to exactly 1, which would tie the
  /// best items. Runs after planning, so the stored plan (which includes the sigmoid) still holds;
  /// a SIGMOID op is left out only when it is the last op of a chunk, so nothing planned after it
  /// can overwrite its input before the scores are read.
  mutating func leaveOutFinalSigmoid() {
    guard let producer = graph.candidateOps.last(where: { graph.ops[$0].output == graph.scoreOutput }),
      graph.rankOutput < 0 || graph.rankOutput == graph.scoreOutput,
      !isRead(graph.scoreOutput, byOpOtherThan: graph.topKOp)
    else { return }
    let op = graph.ops[producer]
    if op.code == .sigmoid && op.activation == .none && graph.candidateOps.last == producer {
      graph.scoreOutput = graph.input(op, 0)
      graph.candidateOps.removeAll { $0 == producer }
    } else if op.activation == .sigmoid {
      graph.ops[producer].activation = .none
    } else {
      return
    }
    if graph.rankOutput >= 0 { graph.rankOutput = graph.scoreOutput }
    graph.scoreKind = .logit
  }

  /// Whether an op other than `excluded` reads tensor `t`.
  private func isRead(_ t: Int, byOpOtherThan excluded: Int) -> Bool {
    for (index, op) in graph.ops.enumerated() where index != excluded {
      for position in 0..<op.inputCount where graph.input(op, position) == t { return true }
    }
    return false
  }
}

extension ModelLoader {
  /// Plans the activations of the graph (one request per tensor, nil for constants, which
  /// get offset -1); an arena past `MemoryPlanner.maxArenaBytes` names the tensor that ends there.
  func planActivations(_ requests: [PlanRequest?]) throws(RecLiteError) -> (offsets: [Int], total: Int) {
    var activations = 0
    for request in requests where request != nil { activations += 1 }
    var dense: [PlanRequest] = []
    try dense.fallibleReserveCapacity(activations, for: "the memory plan")
    var owner: [Int] = []
    try owner.fallibleReserveCapacity(activations, for: "the memory plan")
    for (t, request) in requests.enumerated() {
      if let request {
        dense.append(request)
        owner.append(t)
      }
    }
    let planned: [Int]
    let total: Int
    try MemoryPlanner.reserveScratch(count: activations)
    do throws(MemoryPlanner.Overflow) {
      (planned, total) = try MemoryPlanner.plan(dense)
    } catch {
      let tensor = tensorLabel(owner[error.index])
      let limit = MemoryPlanner.maxArenaBytes
      guard error.size <= limit else {
        throw RecLiteError(.badModel, "memory plan: \(tensor) needs more than the largest arena this library can address (\(limit) bytes)")
      }
      throw RecLiteError(
        .badModel, "memory plan: \(tensor) of \(error.size) bytes at offset \(error.offset) ends past the largest arena this library can address (\(limit) bytes)")
    }
    var offsets = try [Int](fallibleRepeating: -1, count: requests.count, for: "the memory plan")
    for (i, t) in owner.enumerated() { offsets[t] = planned[i] }
    return (offsets, total)
  }
}

@inline(__always)
func memoryEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
  for i in 0..<count where a[i] != b[i] { return false }
  return true
}
