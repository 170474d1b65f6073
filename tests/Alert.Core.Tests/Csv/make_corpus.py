# Writes the CSV conformance corpus (python3 make_corpus.py). The bytes are committed; run again only to change them.
# Shift_JIS files are written as cp932, which is what Excel writes as "CSV (コンマ区切り)".
import os
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
V, I = os.path.join(root, "valid"), os.path.join(root, "invalid")
os.makedirs(V, exist_ok=True); os.makedirs(I, exist_ok=True)

def write(folder, name, text, encoding="utf-8", expected=None, crlf=True):
    if crlf: text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    data = text.encode(encoding) if encoding != "utf-8-sig" else b"\xef\xbb\xbf" + text.encode("utf-8")
    open(os.path.join(folder, name), "wb").write(data)
    if expected is not None:
        open(os.path.join(folder, name.rsplit(".csv", 1)[0] + ".expected"), "w").write(
            "# problem code, line (one a line)\n" + "".join(f"{c} {l}\n" for c, l in expected))

def sheet(header, rows):
    """A sheet's text: its header and rows by default, either replaced for a case."""
    return lambda rows=rows, header=header: header + "\n" + "\n".join(rows) + "\n"

SITES_H = "NO,共通ID,施設・場所名,住所,洪水,崖崩れ、土石流及び地滑り,高潮,地震,津波,大規模な火事,内水氾濫,火山現象,指定避難所との住所同一,緯度,経度,備考"
SITES = [
 "1,E4310000000101,熊本市立碩台小学校,熊本県熊本市中央区黒髪2丁目3-1,1,,,1,,1,1,,1,32.8137450,130.727386,",
 "2,E4310000000102,熊本城二の丸広場,熊本県熊本市中央区二の丸2,,,,1,,1,,,,32.806502,130.701260,広域避難場所",
 '3,E4310000000103,水前寺江津湖公園,熊本県熊本市中央区水前寺公園,,,,1,,1,,,,32.79188013,130.73471206,"芝生広場、駐車場あり"',
 "4,E4310000000104,熊本市立出水中学校,熊本県熊本市中央区出水4丁目1-1,1,,,1,,1,1,,1,32.783014,130.737992,",
 '5,E4310000000105,熊本市立白川小学校,熊本県熊本市中央区大江2丁目4-1,1,1,,1,,1,1,,1,32.795611,130.722873,"体育館は耐震改修済み\n校庭は車中泊不可"',
]
sites = sheet(SITES_H, SITES[:2])

write(V, "sites.kumamoto.sjis.csv", sites(SITES), "cp932")
write(V, "sites.kumamoto.utf8-bom.csv", sites(SITES), "utf-8-sig")
write(V, "sites.kumamoto.utf8.csv", sites(SITES) + ",,,,,,,,,,,,,,,\n,,,,,,,,,,,,,,,\n", crlf=False)  # Excel's trailing blank rows

SH_H = "NO,共通ID,施設・場所名,住所,指定緊急避難場所との住所同一,その他市町村長が必要と認める事項,受入対象者,緯度,経度,備考"
SH = [
 '1,P4310000000201,熊本市立碩台小学校,熊本県熊本市中央区黒髪2丁目3-1,1,,,32.8137450,130.727386,',
 '2,P4310000000202,熊本市総合体育館,熊本県熊本市中央区出水2丁目7-1,,,"要配慮者,乳幼児のいる世帯",32.787622,130.730151,"福祉避難所を併設\n（要事前連絡）"',
 '3,P4310000000203,熊本市立出水中学校,熊本県熊本市中央区出水4丁目1-1,1,,,32.783014,130.737992,',
]
shelters = sheet(SH_H, SH[:2])
write(V, "shelters.kumamoto.sjis.csv", shelters(SH), "cp932")

ST_H = "避難所ID,状況,避難者数,収容人数,更新日時"
ST = ["E4310000000101,開設,125,400,2026-07-01T03:00:00+09:00",
      "E4310000000102,満員,820,800,2026-07-01 03:15",
      "kumamoto-chuo-017,閉鎖,0,,2026/7/1 4:00"]
status = sheet(ST_H, ST[:2])
write(V, "status.kumamoto.utf8.csv", status(ST))
write(V, "status.english-header.utf8.csv", "shelter_id,status,people_present,capacity,time\nE4310000000101,open,12,400,2026-07-01T18:00:00Z\n")

DI_H = "地区名,地域コード,警戒レベル,災害種別,世帯数,人数,発令日時,解除日時"
DI = ["中央区黒髪一丁目,431010,4,洪水,1520,3104,2026-07-01 03:00,",
      "北区龍田町弓削,43105,避難指示,土砂災害,210,488,2026-07-01T03:00:00+09:00,2026-07-01T18:30:00+09:00",
      "西区河内町河内,,レベル3,高潮,95,201,2026-07-01 02:30,",
      "南区川尻,43104,5,洪水,880,1902,2026-07-01 05:10,"]
districts = sheet(DI_H, DI[:2])
write(V, "districts.kumamoto.sjis.csv", districts(DI), "cp932")

LI_H = "種別,状況,影響世帯数,地域,復旧見込み,更新日時"
LI = ["停電,停止,12400,431010,2026-07-01 12:00,2026-07-01 03:30",
      "断水,一部,3100,熊本市北区,,2026-07-01 04:00",
      "rail,restored,,熊本市,,2026-07-01T06:00:00+09:00"]
lifeline = sheet(LI_H, LI[:2])
write(V, "lifeline.kumamoto.utf8-bom.csv", lifeline(LI), "utf-8-sig")

PL_H = "名称,種別,住所,緯度,経度,時間,状況"
PL = ["白川公園 給水所,給水所,,32.7995,130.7118,9:00〜17:00,開設",
      "水前寺 入浴支援,入浴,熊本市中央区水前寺6丁目,,,16:00〜20:00,準備中",
      '中央区役所 充電・Wi-Fi,充電,熊本市中央区手取本町1-1,32.8031,130.7079,"24時間, 予備電源",',
      "辛島公園 物資配布,物資配布,熊本市中央区辛島町,,,,終了"]
places = sheet(PL_H, PL[:2])
write(V, "places.kumamoto.sjis.csv", places(PL), "cp932")

bad = lambda i, old, new, rows=SITES[:2]: [r.replace(old, new, 1) if k == i else r for k, r in enumerate(rows)]
# ---- GSI emergency sites
write(I, "sites.header-missing-column.csv", sites(header=SITES_H.replace(",内水氾濫", ""), rows=[r.replace(",1,,1,,,,32", ",1,,1,,,32") for r in []]), expected=[("csv.header.missing-column", 1)])
write(I, "sites.header-unknown-column.csv", sites(header=SITES_H + ",電話番号", rows=[r + ",096-000-0000" for r in SITES[:2]]), expected=[("csv.header.unknown-column", 1)])
write(I, "sites.header-duplicate-column.csv", sites(header=SITES_H + ",備考", rows=[r + "," for r in SITES[:2]]), expected=[("csv.header.duplicate-column", 1)])
write(I, "sites.header-order.csv", sites(header=SITES_H.replace("緯度,経度", "経度,緯度")), expected=[("csv.header.order", 1)])
write(I, "sites.header-missing.csv", "", expected=[("csv.header.missing", 1)])
write(I, "sites.latitude-longitude-swapped.csv", sites(bad(1, "32.806502,130.701260", "130.701260,32.806502")), expected=[("csv.value.out-of-range", 3), ("csv.value.out-of-range", 3)])
write(I, "sites.latitude-not-a-number.csv", sites(bad(0, "32.8137450", "32度48分49秒")), expected=[("csv.value.not-a-number", 2)])
write(I, "sites.hazard-not-1-or-blank.csv", sites(bad(0, "熊本県熊本市中央区黒髪2丁目3-1,1,", "熊本県熊本市中央区黒髪2丁目3-1,○,")), expected=[("csv.value.not-a-boolean", 2)])
write(I, "sites.common-id-pattern.csv", sites(bad(1, "E4310000000102", "4310000000102")), expected=[("csv.value.pattern", 3)])
write(I, "sites.common-id-unknown-municipality.csv", sites(bad(1, "E4310000000102", "E9910000000102")), expected=[("csv.value.unknown-municipality", 3)])
write(I, "sites.duplicate-id.csv", sites(bad(1, "E4310000000102", "E4310000000101")), expected=[("csv.value.duplicate-id", 3)])
write(I, "sites.no-hazard.csv", sites(bad(1, ",,,,1,,1,,,,", ",,,,,,,,,,")), expected=[("csv.gsi.no-hazard", 3)])
write(I, "sites.name-required.csv", sites(bad(0, "熊本市立碩台小学校", "")), expected=[("csv.value.required", 2)])
write(I, "sites.name-too-long.csv", sites(bad(0, "熊本市立碩台小学校", "熊本市立碩台小学校" * 25)), expected=[("csv.value.length", 2)])
write(I, "sites.unquoted-comma.csv", sites(SITES[:1] + [SITES[1].replace("二の丸2", "二の丸2,城内")] + SITES[2:3]), expected=[("csv.row.too-many-cells", 3)])
write(I, "sites.too-few-cells.csv", sites([SITES[0], "2,E4310000000102,熊本城二の丸広場"]), expected=[("csv.row.too-few-cells", 3)])
write(I, "sites.bad-quote.csv", sites(bad(1, "広域避難場所", '広域"避難"場所')), expected=[("csv.row.bad-quote", 3)])
write(I, "sites.unterminated-quote.csv", sites([SITES[0], SITES[1].replace("広域避難場所", '"広域避難場所'), SITES[3]]), expected=[("csv.row.bad-quote", 3)])
open(os.path.join(I, "sites.utf16.csv"), "wb").write(b"\xff\xfe" + sites().encode("utf-16-le"))
open(os.path.join(I, "sites.utf16.expected"), "w").write("# problem code, line (one a line)\ncsv.encoding.invalid -\n")
open(os.path.join(I, "sites.bad-bytes.csv"), "wb").write(sites().encode("cp932").replace("広域".encode("cp932"), b"\x81\x20\xff"))
open(os.path.join(I, "sites.bad-bytes.expected"), "w").write("# problem code, line (one a line)\ncsv.encoding.invalid -\n")
# ---- GSI designated shelters
write(I, "shelters.same-address-not-1-or-blank.sjis.csv", shelters(bad(0, "3-1,1,", "3-1,はい,", SH[:2])), "cp932", expected=[("csv.value.not-a-boolean", 2)])
write(I, "shelters.longitude-out-of-range.csv", shelters(bad(1, "130.730151", "13.730151", SH[:2])), expected=[("csv.value.out-of-range", 3)])
write(I, "shelters.header-gsi-sites-file.csv", sites(), expected=[("csv.header.unknown-column", 1)] * 9 + [("csv.header.missing-column", 1)] * 3)
# ---- shelter status
write(I, "status.unknown-status.csv", status(bad(0, "開設", "開設済み", ST)), expected=[("csv.value.not-in-vocabulary", 2)])
write(I, "status.time-not-a-datetime.csv", status(bad(1, "2026-07-01 03:15", "7月1日 3時15分", ST)), expected=[("csv.value.not-a-datetime", 3)])
write(I, "status.time-offset-out-of-range.csv", status(bad(0, "+09:00", "+15:00", ST)), expected=[("csv.value.not-a-datetime", 2)])
write(I, "status.people-negative.csv", status(bad(0, ",125,", ",-5,", ST)), expected=[("csv.value.out-of-range", 2)])
write(I, "status.people-thousands-separator.csv", status(bad(1, ",820,", ',"1,820",', ST)), expected=[("csv.value.not-a-number", 3)])
write(I, "status.duplicate-shelter.csv", status(bad(1, "E4310000000102", "E4310000000101", ST)), expected=[("csv.value.duplicate-id", 3)])
write(I, "status.id-not-ascii.csv", status(bad(2, "kumamoto-chuo-017", "中央区第17避難所", ST)), expected=[("csv.value.pattern", 4)])
write(I, "status.common-id-unknown-municipality.csv", status(bad(0, "E4310000000101", "E0010000000101", ST)), expected=[("csv.value.unknown-municipality", 2)])
# ---- evacuation districts
write(I, "districts.abolished-level.sjis.csv", districts(bad(1, "避難指示", "避難勧告", DI)), "cp932", expected=[("evacuation.abolished-level", 3)])
write(I, "districts.level-not-for-hazard.csv", districts(DI[:2] + ["西区沖新町,43103,3,津波,410,902,2026-07-01 03:05,"]), expected=[("evacuation.level.not-for-hazard", 4)])
write(I, "districts.unknown-level.csv", districts(bad(0, ",4,", ",警戒,", DI)), expected=[("csv.value.not-in-vocabulary", 2)])
write(I, "districts.unknown-disaster-type.csv", districts(bad(0, "洪水", "大雨", DI)), expected=[("csv.value.not-in-vocabulary", 2)])
write(I, "districts.area-code-check-digit.csv", districts(bad(0, "431010", "431011", DI)), expected=[("code.check-digit", 2)])
write(I, "districts.area-code-prefecture.csv", districts(bad(1, "43105", "48105", DI)), expected=[("code.prefecture", 3)])
write(I, "districts.area-code-pattern.csv", districts(bad(1, "43105", "4310", DI)), expected=[("csv.value.pattern", 3)])
write(I, "districts.lifted-before-issued.csv", districts(bad(1, "2026-07-01T18:30:00+09:00", "2026-07-01T02:30:00+09:00", DI)), expected=[("csv.time.order", 3)])
write(I, "districts.households-missing.csv", districts(bad(3, ",880,", ",,", DI)), expected=[("csv.value.required", 5)])
write(I, "districts.every-bad-row.csv", districts(["中央区黒髪一丁目,431010,避難勧告,洪水,1520,3104,2026-07-01 03:00,"] + DI[1:2] + ["西区沖新町,43103,3,津波,410,902,2026-07-01 03:05,", DI[3].replace(",880,", ",八百八十,")]),
      expected=[("evacuation.abolished-level", 2), ("evacuation.level.not-for-hazard", 4), ("csv.value.not-a-number", 5)])
# ---- lifeline status
write(I, "lifeline.unknown-kind.csv", lifeline(bad(0, "停電", "電力会社", LI)), expected=[("csv.value.not-in-vocabulary", 2)])
write(I, "lifeline.unknown-state.csv", lifeline(bad(1, "一部", "調査中", LI)), expected=[("csv.value.not-in-vocabulary", 3)])
write(I, "lifeline.restoration-before-time.csv", lifeline(bad(0, "2026-07-01 12:00", "2026-06-30 12:00", LI)), expected=[("csv.time.order", 2)])
write(I, "lifeline.area-code-format.csv", lifeline(bad(0, "431010", "4310", LI)), expected=[("code.format", 2)])
# ---- limits small enough to keep as files (the byte and row limits are in CsvLimitTests)
write(I, "sites.limit-cells.csv", sites([SITES[0], SITES[1] + "," * 100]), expected=[("csv.limit.cells", 3)])
write(I, "status.limit-cell-length.csv", status([ST[0], ST[1].replace("満員", "満員" + "　" * 10_000)]), expected=[("csv.limit.cell-length", 3)])
write(I, "status.limit-problems.csv", status([f"S{i},開設,many,,yesterday" for i in range(502)]),
      expected=[(code, line) for line in range(2, 502) for code in ("csv.value.not-a-number", "csv.value.not-a-datetime")] + [("csv.limit.problems", 503)])
# ---- life-support places
write(I, "places.every-bad-row.csv", places([PL[0].replace("給水所,給水所", "給水所,炊き出し", 1), "半分だけ,給水,,32.8,,,",
      "どこにもない,充電,,,,,", PL[3].replace(",終了", ",休止", 1)]),
      expected=[("csv.value.not-in-vocabulary", 2), ("csv.place.half-position", 3), ("csv.place.nowhere", 4), ("csv.value.not-in-vocabulary", 5)])
