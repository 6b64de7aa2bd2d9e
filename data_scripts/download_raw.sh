#!/usr/bin/env bash
# Download the raw public files behind ../shared/data from the repositories and commits named
# in each SOURCE.md, rebuild the few derived files (format conversions), and verify every
# sha256 with `sha256sum -c`. For machines with internet access; needs curl, python3, sha256sum.
#
#   bash data_scripts/download_raw.sh [DEST]      # DEST defaults to ../shared/data
#
# Then: python3 data_scripts/prepare_data.py --source DEST
# The SOURCE.md / README.md provenance notes themselves are not downloaded.
set -euo pipefail

DEST="${1:-../shared/data}"
RAW="https://raw.githubusercontent.com"
mkdir -p "$DEST"

# fetch OWNER/REPO COMMIT UPSTREAM_PATH LOCAL_PATH
fetch() {
  local url_path="${3// /%20}"
  url_path="${url_path//+/%2B}"
  mkdir -p "$(dirname "$DEST/$4")"
  echo "fetch $1@${2:0:7} $3 -> $4"
  curl -fsSL --retry 3 -o "$DEST/$4.part" "$RAW/$1/$2/$url_path"
  mv "$DEST/$4.part" "$DEST/$4"
}

# Banking77 (banking77/SOURCE.md)
B77=PolyAI-LDN/task-specific-datasets; B77_C=57ec275d8078af65b7731c2a98be812d844a6d6b
fetch $B77 $B77_C banking_data/train.csv       banking77/train.csv
fetch $B77 $B77_C banking_data/test.csv        banking77/test.csv
fetch $B77 $B77_C banking_data/categories.json banking77/categories.json

# CLINC150 (clinc150/SOURCE.md)
CL=clinc/oos-eval; CL_C=828f8093932c8fe6ca7936c3d2e52903b1c523de
fetch $CL $CL_C data/data_full.json clinc150/data_full.json
fetch $CL $CL_C data/domains.json   clinc150/domains.json

# MNLI (mnli/SOURCE.md)
HY=shmuelamar/hypenymy; HY_C=c01b2da04b520a87fa435ed7c61e03f4c9e0062c
HY_D=mnli/orig/shmuelamar+hypenymy
fetch $HY $HY_C inferbert_datasets/datasets/mnli/mnli_dev_matched.jsonl.xz         $HY_D/mnli_dev_matched.jsonl.xz
fetch $HY $HY_C inferbert_datasets/datasets_old/mnli/mnli_train_10000_split.jsonl.xz $HY_D/mnli_train_10000_split.jsonl.xz
fetch $HY $HY_C inferbert_datasets/datasets/mnli/mnli_train_10k_split.json.xz       $HY_D/mnli_train_10k_split.json.xz
fetch anthonywchen/generative-nli aad500326efe82814047e6ea3b90b5fd8969e36b data/mnli/dev.jsonl \
      mnli/orig/anthonywchen+generative-nli/dev.jsonl

# Teachers (teachers/*/SOURCE.md)
OC=stogiannidis/OCaTS; OC_C=c0c680b732d150f7e5620a5b0e64f72ecd934b62; OC_D=teachers/ocats-gpt4-banking77
fetch $OC $OC_C data/raw/banking77/test.csv       $OC_D/test.csv
fetch $OC $OC_C data/processed/banking77/dev.csv   $OC_D/dev.csv
fetch $OC $OC_C data/processed/banking77/train.csv $OC_D/prompt_demos_train.csv
fetch $OC $OC_C LICENSE                            $OC_D/LICENSE.upstream

TL=KaiquanMah/llm-trust-lens; TL_C=d182a9b03e76cd8b3684782f37d109b01f068eca; TL_D=teachers/llm-trust-lens-small-llms
fetch $TL $TL_C results/round1/banking/df_banking_with_predictions_llama3.2.csv \
      $TL_D/banking77_all13083_llama3.2-3b_zeroshot_round1.csv
fetch $TL $TL_C results/round1/oos/results_llama3.2_0_11850.pkl \
      $TL_D/clinc150oos_all23700_llama3.2-3b_zeroshot_round1_part0_11850.json
fetch $TL $TL_C results/round1/oos/results_llama3.2_11850_23699.pkl \
      $TL_D/clinc150oos_all23700_llama3.2-3b_zeroshot_round1_part11850_23699.json
fetch $TL $TL_C results/round9-fewshot-nebiusqwen/results_Qwen3-30B-A3B_banking_0_13082.json \
      $TL_D/banking77_all13083_qwen3-30b-a3b_fewshot_openintent58known.json
fetch $TL $TL_C data/banking/banking77_idx2label.csv  $TL_D/banking77_idx2label.csv
fetch $TL $TL_C data/oos/clinc150_oos_idx2label.csv   $TL_D/clinc150_oos_idx2label.csv
fetch $TL $TL_C prompts/fewshot_prompt.txt            $TL_D/prompt_fewshot_template.txt
fetch $TL $TL_C prompts/few_shot_examples/banking77/banking_25perc_oos.txt \
      $TL_D/prompt_fewshot_examples_banking_25perc_oos.txt
fetch $TL $TL_C LICENSE                               $TL_D/LICENSE.upstream

LC=abertsch72/long-context-icl; LC_C=7ec32c268340dc64c1474b0171ad6157b42f7813; LC_D=teachers/long-context-icl-7b
LC_M=final-results/mistralai+Mistral-7B-Instruct-v0.2
for f in README.md banking-indices.txt clinic-indices.txt; do
  fetch $LC $LC_C dataset-splits/$f $LC_D/dataset-splits/$f
done
for run in banking77/n_shots=1 banking77/n_shots=860 banking77-retrieval/n_shots=1000 \
           clinic150/n_shots=1 clinic150/n_shots=1212 clinic150-retrieval/n_shots=1000; do
  fetch $LC $LC_C "$LC_M/${run%%/*}/mistralai+Mistral-7B-Instruct-v0+${run#*/}+run=0.csv" \
        "$LC_D/mistral-7b-instruct-v0.2/$run+run=0.csv"
done
for d in banking77 banking77-retrieval clinic150 clinic150-retrieval; do
  fetch $LC $LC_C "$LC_M/$d/combined_results.csv" "$LC_D/mistral-7b-instruct-v0.2/$d/combined_results.csv"
done
fetch $LC $LC_C LICENSE $LC_D/LICENSE.upstream

DN=Dinesh0401/Evaluating-LLM-on-Banking77-Intent-Classification
DN_C=d550d06e4e78438ed3616f6ab1f6b40c2cf90afa; DN_D=teachers/dinesh-claude45-gpt5-banking77-500
for m in claude_4_5_sonnet gpt_5_2 gpt_5_mini; do
  fetch $DN $DN_C "Banking77_Eval_3_Models-Regular/Banking77_Eval_3_Models - $m.csv" \
        "$DN_D/Banking77_Eval_3_Models-Regular/Banking77_Eval_3_Models__$m.csv"
done
for m in Claude-4.5-Sonnet GPT-5-mini GPT-5.2; do
  fetch $DN $DN_C "Miprov2 Optimize/Miprov2 Optimize - $m.csv" \
        "$DN_D/Miprov2_Optimize/Miprov2_Optimize__$m.csv"
done
fetch $DN $DN_C LICENSE $DN_D/LICENSE.upstream

# Derived files (format conversions only, as described in the SOURCE.md files).
echo "derive banking77/labels.txt, clinc150/tsv/*, mnli/*.tsv, $OC_D/hf_label_ids.derived.json"
python3 - "$DEST" <<'PY'
import csv, json, lzma, os, sys
root = sys.argv[1]
def path(rel): return os.path.join(root, *rel.split("/"))
def put(rel, text):
    os.makedirs(os.path.dirname(path(rel)), exist_ok=True)
    with open(path(rel), "w", encoding="utf-8", newline="") as f: f.write(text)
cats = json.load(open(path("banking77/categories.json"), encoding="utf-8"))
put("banking77/labels.txt", "\n".join(cats) + "\n")
full = json.load(open(path("clinc150/data_full.json"), encoding="utf-8"))
for split in ("train", "val", "test", "oos_train", "oos_val", "oos_test"):
    put(f"clinc150/tsv/{split}.tsv", "text\tlabel\n" + "".join(f"{t}\t{l}\n" for t, l in full[split]))
put("clinc150/tsv/labels.txt", "\n".join(sorted({l for _, l in full["train"]})) + "\n")
orig = "mnli/orig/shmuelamar+hypenymy"
def jsonl(rel):
    with lzma.open(path(rel), "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
def tsv(rows, cols):
    return "".join("\t".join(r) + "\n" for r in [cols] + rows)
five = ["label", "premise", "hypothesis", "pairID", "genre"]
dev = [o for o in jsonl(f"{orig}/mnli_dev_matched.jsonl.xz") if o["gold_label"] != "-"]
put("mnli/dev_matched.tsv", tsv([[o["gold_label"], o["sentence1"], o["sentence2"], o["pairID"],
                                  o["genre"]] for o in dev], five))
tr = jsonl(f"{orig}/mnli_train_10000_split.jsonl.xz")
put("mnli/train_10000_split.tsv", tsv([[o["gold_label"], o["sentence1"], o["sentence2"],
                                        o["pairID"], o["genre"]] for o in tr], five))
with lzma.open(path(f"{orig}/mnli_train_10k_split.json.xz"), "rt", encoding="utf-8") as f:
    tk = json.load(f)
put("mnli/train_10k_split.tsv", tsv([[o["gold_label"], o["sentence1"], o["sentence2"]] for o in tk],
                                    ["label", "premise", "hypothesis"]))
oc = "teachers/ocats-gpt4-banking77"
with open(path(f"{oc}/prompt_demos_train.csv"), encoding="utf-8", newline="") as f:
    ids = {int(r["label"]): r["label_name"] for r in csv.DictReader(f)}
put(f"{oc}/hf_label_ids.derived.json", json.dumps({str(k): ids[k] for k in sorted(ids)}, indent=0))
PY

# sha256 of every file, from the SOURCE.md files.
cd "$DEST"
sha256sum -c <<'SUMS'
b06e26ac675513959a63135f11b94ea7786ed02da65db93a5650d8838cbc664b  banking77/train.csv
d12d6e3bc4c3103966ae786dc435913c0c563dfa328f5a3646d0e62cfeeb474d  banking77/test.csv
53261da888122daf2d120d925458631d9619e15d82e56052e7a42e535ce32b63  banking77/categories.json
443626ab44cd4565d3faaf93ef7d74a220b93944bde1f9ab25334dfc21a897e0  banking77/labels.txt
36923c3705a59e08fe9c3883d8bc2dd966ef93e22cb78ac41171782a698d56e0  clinc150/data_full.json
b947b579d3b8e74b06f93b01083d8efaff2888b43a3e362533bd88a6e1211b3a  clinc150/domains.json
3e76c700b381122ecc92698cc048873ca5bfb23a79ef598d2890957b4e0ce9bb  clinc150/tsv/train.tsv
89a822ae3edde07ba2ef57eaa04442c642b5a9d734d9c38ad5ff2e4e077104f7  clinc150/tsv/val.tsv
1fd0b36015b19c11af76bc0f36645dce1673458228a00dee8604224cb25e4550  clinc150/tsv/test.tsv
fa8157359960a936f2f0be27483ea02f16e3c7b3d922593ed48cd1bd1d736ca4  clinc150/tsv/oos_train.tsv
5c1d66a1fa8f4ae36b12efb61b8c0bdbf320d2f43b48e98f95bed8da27403cdb  clinc150/tsv/oos_val.tsv
4442a3b1279754e495c7ff43af6fd81dc6212c71d00118dd5ac4313bf9435755  clinc150/tsv/oos_test.tsv
e74b0036e0f576434d3fc10360d9d2aeb3cefc22594515a93ba2da34d346e028  clinc150/tsv/labels.txt
d79b5b65f2357771d31bcb20333c6d0d68e5be9c5200dc7ae449e597e9a4f662  mnli/dev_matched.tsv
a0df6becbb405d4e9bcd35b93c0ed7f6deb7a0dcc4beda7b4c069ec5e47eb6ae  mnli/train_10000_split.tsv
fadec5d4de7508c1edfa6343f3bba710af6cb677cf36393e0abc34bd3d7f2c6a  mnli/train_10k_split.tsv
757fd79543cff67c8fa26673782d648e2bd2f892b1baba87af618c24cfeb1184  mnli/orig/shmuelamar+hypenymy/mnli_dev_matched.jsonl.xz
74c5501dd5f136a1af80244e5d72d01f9673690f066ac91ae50b88b836107cf6  mnli/orig/shmuelamar+hypenymy/mnli_train_10000_split.jsonl.xz
eedd63dc0e4ae161c4509655550a1f95a2bc032c6a914fbc4020155c8c63b685  mnli/orig/shmuelamar+hypenymy/mnli_train_10k_split.json.xz
081af9b80f4fe75aba97d034c0ff21a8017c4d18e3b5b2b0b7612ab2cc3c7bf2  mnli/orig/anthonywchen+generative-nli/dev.jsonl
a11f6bc990121b19f55b8cba0d0f3dcf54fa8bb962b16ee3b97342b580bf74c3  teachers/ocats-gpt4-banking77/test.csv
4318d9f7890bb91c4fdd3ea4d713a40fa4f8c5fad96b2cc86c702738a62beed6  teachers/ocats-gpt4-banking77/dev.csv
a204f6c17a581379b604e0a45f98f47d8f40b18176edb00f1833454d7546dcc3  teachers/ocats-gpt4-banking77/prompt_demos_train.csv
8ab663323747934337fb393b556d2cf55e32cc143de5573ed4e9ef13751c921d  teachers/ocats-gpt4-banking77/LICENSE.upstream
17f5c1301d9afd2cda40dbea21fa52041816a45720ddb0213bf0660fa24c48df  teachers/ocats-gpt4-banking77/hf_label_ids.derived.json
7dcf64236b5b42c6b73192fd8cb863e323384c97835808e0c9115a3ab14116e7  teachers/llm-trust-lens-small-llms/banking77_all13083_llama3.2-3b_zeroshot_round1.csv
06db6e19e279c42433555572cb11bfe9bc8505414c76c3a70d1cac9b64a43972  teachers/llm-trust-lens-small-llms/clinc150oos_all23700_llama3.2-3b_zeroshot_round1_part0_11850.json
b0d5cdbece753c47c20440238258820b7cbbe308e920894efb925ec56d49bffb  teachers/llm-trust-lens-small-llms/clinc150oos_all23700_llama3.2-3b_zeroshot_round1_part11850_23699.json
2a788925eeb11812063fd9dda1563999b4d1861363a63ac255cb424aff51c5b0  teachers/llm-trust-lens-small-llms/banking77_all13083_qwen3-30b-a3b_fewshot_openintent58known.json
842e6359aface724f2b3d14982b338341bbf8ce3819bd3f4f13594504aff175d  teachers/llm-trust-lens-small-llms/banking77_idx2label.csv
6109d9d5703cebac2cc9c445287149aae56fc3b73056052d388c4a18b743ff4c  teachers/llm-trust-lens-small-llms/clinc150_oos_idx2label.csv
e6af45259fd355b856c22438b15736d29d13ca56392ebd5d05b3a28dff6400c0  teachers/llm-trust-lens-small-llms/prompt_fewshot_template.txt
7d099b26006d6b87d8ec5e07a3cdef3b7855fb9c4c6962e8d53d5c4206efc8dc  teachers/llm-trust-lens-small-llms/prompt_fewshot_examples_banking_25perc_oos.txt
53ca3428d7d618faefb631c2a6ff174fd3551fb8cc4b82878435c818d1a657a3  teachers/llm-trust-lens-small-llms/LICENSE.upstream
7fcaf26967163cc694eb3b8dbb8f49fb173eb965d880bc90dffbc5703f3762e0  teachers/long-context-icl-7b/dataset-splits/README.md
1f40c9d0b466d843e7568e1f95fa66cd9e625a422e9a4c90f120e8a3e613fa8f  teachers/long-context-icl-7b/dataset-splits/banking-indices.txt
31734e6bdf818d03d650da4f8025d0028c3b330192a50b37860229107ece2f24  teachers/long-context-icl-7b/dataset-splits/clinic-indices.txt
c49b719f63bcff60ee56d8dcf6185fca837085a210450ccf7118a48e070ad384  teachers/long-context-icl-7b/mistral-7b-instruct-v0.2/banking77/n_shots=1+run=0.csv
23fdfae84befeacf19039a1cea36776fe9077fa1c9f9b70aea02eb3cd646d9de  teachers/long-context-icl-7b/mistral-7b-instruct-v0.2/banking77/n_shots=860+run=0.csv
d6b8f818b4328d7e7ffde5d6d80ec77ce763029460e5655775bcf852232c5caa  teachers/long-context-icl-7b/mistral-7b-instruct-v0.2/banking77-retrieval/n_shots=1000+run=0.csv
addc49ee79c33cfbb50acad2f6bb3e12d3376ff8b34ea1e7a26049486727f594  teachers/long-context-icl-7b/mistral-7b-instruct-v0.2/clinic150/n_shots=1+run=0.csv
53f9f2ebb35f6641f45d051f3c2f906a1d98b6d10bccaa110e265d995c495053  teachers/long-context-icl-7b/mistral-7b-instruct-v0.2/clinic150/n_shots=1212+run=0.csv
dc62378b586bb5c10660734060f883d6899c4e6d91d36225013a3c09417fa205  teachers/long-context-icl-7b/mistral-7b-instruct-v0.2/clinic150-retrieval/n_shots=1000+run=0.csv
e0f97bf9a83bef5d4e3520590b29a7feee7a0fca36281dd0f5d32541ca15d502  teachers/long-context-icl-7b/mistral-7b-instruct-v0.2/banking77/combined_results.csv
ba308619b244d8b5497009f3036bc29ccc52f5b6cae4b3fb7ed04930a13e1637  teachers/long-context-icl-7b/mistral-7b-instruct-v0.2/banking77-retrieval/combined_results.csv
593c27e6a7a81b402cff15d6307de2f169d34220e06731477de278061817619d  teachers/long-context-icl-7b/mistral-7b-instruct-v0.2/clinic150/combined_results.csv
040c1c5bed06ae3a112dd946600a541070d3b8bd135e41fb7f99146cc7f4d5a9  teachers/long-context-icl-7b/mistral-7b-instruct-v0.2/clinic150-retrieval/combined_results.csv
c71d239df91726fc519c6eb72d318ec65820627232b2f796219e87dcf35d0ab4  teachers/long-context-icl-7b/LICENSE.upstream
ac6c46f69e2ff5d2834c1601f310b3865e916ac6acd2074522f3545f5cdb5c27  teachers/dinesh-claude45-gpt5-banking77-500/Banking77_Eval_3_Models-Regular/Banking77_Eval_3_Models__claude_4_5_sonnet.csv
7bbc6a67d78bf6a2261a40a82e6f03efe17a62b4699a66c9374c449ef6c1555c  teachers/dinesh-claude45-gpt5-banking77-500/Banking77_Eval_3_Models-Regular/Banking77_Eval_3_Models__gpt_5_2.csv
fd9d5b7fd6cb82f7409b3e40558393db40d32dc912bed64b87eea5a05bd38b73  teachers/dinesh-claude45-gpt5-banking77-500/Banking77_Eval_3_Models-Regular/Banking77_Eval_3_Models__gpt_5_mini.csv
73b2b1eeba34d0d96c856984203a10ef41377b70f11c176ae8e7b2d5a0e5b54c  teachers/dinesh-claude45-gpt5-banking77-500/Miprov2_Optimize/Miprov2_Optimize__Claude-4.5-Sonnet.csv
bae8d0b6282033d16a86559c99fffd3e9e60eef0c2a8d384110bfcd7aded03de  teachers/dinesh-claude45-gpt5-banking77-500/Miprov2_Optimize/Miprov2_Optimize__GPT-5-mini.csv
5d229ff3f2067869d8b032238ed0e42ab6950fb8c5c7446d882adf37c1c7c044  teachers/dinesh-claude45-gpt5-banking77-500/Miprov2_Optimize/Miprov2_Optimize__GPT-5.2.csv
8e6820e5115c7258027b11cd876390779f2264cf0a48bfdd8d23a483e97ec974  teachers/dinesh-claude45-gpt5-banking77-500/LICENSE.upstream
SUMS
echo "all files verified in $DEST"
