// The resident page's own words in the seven languages the hub renders notices in. The notices' standard phrases
// (levels, hazards, shelter states) come from the hub's dictionary, /api/v1/phrases; names stay as the issuer wrote them.
export const LANGUAGES = [
  { key: 'ja', tag: 'ja-JP', name: '日本語' },
  { key: 'ja-x-easy', tag: 'ja-JP', name: 'やさしい日本語' },
  { key: 'en', tag: 'en-US', name: 'English' },
  { key: 'zh-Hans', tag: 'zh-CN', name: '简体中文' },
  { key: 'ko', tag: 'ko-KR', name: '한국어' },
  { key: 'vi', tag: 'vi-VN', name: 'Tiếng Việt' },
  { key: 'pt', tag: 'pt-BR', name: 'Português' },
];

const words = {
  title: ['防災情報', 'ぼうさい じょうほう', 'Disaster information', '防灾信息', '재난 정보', 'Thông tin thiên tai', 'Informações sobre desastres'],
  language: ['言語', 'ことば', 'Language', '语言', '언어', 'Ngôn ngữ', 'Idioma'],
  largeText: ['文字を大きく', 'じを おおきく', 'Larger text', '放大文字', '큰 글자', 'Chữ lớn', 'Texto maior'],
  highContrast: ['高コントラスト', 'くっきり みせる', 'High contrast', '高对比度', '고대비', 'Tương phản cao', 'Alto contraste'],
  readAloud: ['読み上げ', 'よみあげ', 'Read aloud', '朗读', '소리 내어 읽기', 'Đọc to', 'Ler em voz alta'],
  reading: ['読み上げています', 'よみあげて います', 'Reading aloud', '正在朗读', '읽는 중', 'Đang đọc', 'Lendo em voz alta'],
  where: ['場所', 'ばしょ', 'Place', '地点', '장소', 'Địa điểm', 'Local'],
  useLocation: ['現在地を使う', 'いま いる ばしょ', 'Use my location', '使用当前位置', '현재 위치 사용', 'Dùng vị trí hiện tại', 'Usar minha localização'],
  myLocation: ['現在地', 'いま いる ばしょ', 'My location', '当前位置', '현재 위치', 'Vị trí hiện tại', 'Minha localização'],
  locating: ['現在地を確認しています…', 'ばしょを しらべて います…', 'Finding your location…', '正在获取位置…', '위치 확인 중…', 'Đang xác định vị trí…', 'Obtendo sua localização…'],
  locationDenied: ['現在地を取得できません。市区町村名・町名で探してください。', 'ばしょが わかりません。まちの なまえで さがして ください。',
    'Your location is not available; search by name instead.', '无法获取位置，请按市区町村名或町名搜索。', '위치를 가져올 수 없습니다. 이름으로 검색하세요.',
    'Không lấy được vị trí; hãy tìm theo tên.', 'Localização indisponível; pesquise pelo nome.'],
  searchLabel: ['市区町村・町名', 'まちの なまえ', 'Municipality or town', '市区町村名或町名', '시구정촌·동네 이름', 'Tên thành phố hoặc khu phố', 'Município ou bairro'],
  show: ['表示', 'みる', 'Show', '显示', '보기', 'Xem', 'Mostrar'],
  notFound: ['「{q}」が見つかりません。', '「{q}」が みつかりません。', '"{q}" was not found.', '找不到“{q}”。', '"{q}"을(를) 찾을 수 없습니다.', 'Không tìm thấy "{q}".', '"{q}" não foi encontrado.'],
  candidates: ['候補: {c}', 'こうほ: {c}', 'Did you mean: {c}', '候选：{c}', '후보: {c}', 'Gợi ý: {c}', 'Sugestões: {c}'],
  saveAs: ['保存する名前', 'なまえ', 'Save as', '保存为', '저장 이름', 'Lưu với tên', 'Salvar como'],
  save: ['この場所を保存', 'この ばしょを のこす', 'Save this place', '保存此地点', '이 장소 저장', 'Lưu địa điểm này', 'Salvar este local'],
  saved: ['保存した場所', 'のこした ばしょ', 'Saved places', '已保存的地点', '저장한 장소', 'Địa điểm đã lưu', 'Locais salvos'],
  home: ['自宅', 'いえ', 'Home', '家', '집', 'Nhà', 'Casa'],
  family: ['実家', 'かぞくの いえ', "Family's home", '老家', '가족의 집', 'Nhà gia đình', 'Casa da família'],
  work: ['職場・学校', 'しごと・がっこう', 'Work or school', '工作单位・学校', '직장·학교', 'Nơi làm việc, trường học', 'Trabalho ou escola'],
  remove: ['{name} を削除', '{name} を けす', 'Remove {name}', '删除 {name}', '{name} 삭제', 'Xóa {name}', 'Remover {name}'],
  alertsHere: ['この場所の情報', 'ここの じょうほう', 'Alerts for this place', '此地的信息', '이 장소의 정보', 'Cảnh báo tại đây', 'Alertas para este local'],
  choosePlace: ['場所を選んでください。', 'ばしょを えらんで ください。', 'Choose a place.', '请选择地点。', '장소를 선택하세요.', 'Hãy chọn địa điểm.', 'Escolha um local.'],
  noAlerts: ['発表中の避難情報などはありません。', 'いま、ひなんの じょうほうは ありません。', 'No alerts in force here.', '此地目前没有发布中的信息。',
    '현재 발표 중인 정보가 없습니다.', 'Hiện không có cảnh báo nào tại đây.', 'Nenhum alerta em vigor aqui.'],
  lifelines: ['ライフライン（電気・水道など）', 'でんき・すいどう など', 'Lifelines (power, water…)', '生命线（电、水等）', '라이프라인(전기·수도 등)',
    'Điện, nước và dịch vụ thiết yếu', 'Serviços essenciais (luz, água…)'],
  noLifelines: ['ライフラインの情報はありません。', 'でんき・すいどうの じょうほうは ありません。', 'No lifeline notices.', '没有生命线信息。',
    '라이프라인 정보가 없습니다.', 'Không có thông tin về điện, nước.', 'Nenhum aviso sobre serviços essenciais.'],
  shelters: ['近くの開設中の避難所', 'ちかくの あいている ひなんじょ', 'Open shelters nearby', '附近开放的避难所', '근처 개설 중인 대피소',
    'Nơi trú ẩn đang mở gần đây', 'Abrigos abertos próximos'],
  noShelters: ['開設中の避難所の情報はありません。', 'あいている ひなんじょの じょうほうは ありません。', 'No open shelters reported.', '没有开放避难所的信息。',
    '개설 중인 대피소 정보가 없습니다.', 'Chưa có thông tin nơi trú ẩn đang mở.', 'Nenhum abrigo aberto informado.'],
  support: ['給水・入浴・充電など', 'みず・おふろ・じゅうでん など', 'Water, baths, charging and more', '供水、洗浴、充电等', '급수·목욕·충전 등',
    'Nước, tắm, sạc điện và hơn nữa', 'Água, banho, recarga e mais'],
  mapLabel: ['地図：避難所と給水所などの {n} か所、四角は避難所、丸は給水所など、黒い縁の丸は現在地', 'ちず：ひなんじょ や みずを もらえる ところ など {n}か所。しかくは ひなんじょ、まるは みず など、おおきい まるは いま いる ところ',
    'Map: {n} shelters and places; squares are shelters, dots water points and the like, the ringed dot is you',
    '地图：避难所和供水点等 {n} 处；方块为避难所，圆点为供水点等，大圆圈为当前位置', '지도: 대피소와 급수소 등 {n}곳. 네모는 대피소, 동그라미는 급수소 등, 큰 원은 현재 위치',
    'Bản đồ: {n} nơi trú ẩn và điểm hỗ trợ; ô vuông là nơi trú ẩn, chấm là điểm cấp nước v.v., vòng tròn lớn là vị trí của bạn',
    'Mapa: {n} abrigos e pontos de apoio; quadrados são abrigos, pontos são pontos de água etc., o círculo maior é você'],
  here: ['現在地', 'いま いる ところ', 'You are here', '当前位置', '현재 위치', 'Bạn ở đây', 'Você está aqui'],
  noSupport: ['給水所などの情報はありません。', 'みずなどを もらえる ところの じょうほうは ありません。', 'No water points or other support reported.',
    '没有供水点等信息。', '급수소 등의 정보가 없습니다.', 'Chưa có thông tin điểm cấp nước hay hỗ trợ.', 'Nenhum ponto de água ou apoio informado.'],
  'layer.water-points': ['給水所', 'みずを もらえる ところ', 'Water point', '供水点', '급수소', 'Điểm cấp nước', 'Ponto de água'],
  'layer.baths': ['入浴支援', 'おふろ', 'Bath', '洗浴', '목욕 지원', 'Nhà tắm', 'Banho'],
  'layer.wifi': ['無料 Wi-Fi', 'むりょうの Wi-Fi', 'Free Wi-Fi', '免费 Wi-Fi', '무료 Wi-Fi', 'Wi-Fi miễn phí', 'Wi-Fi grátis'],
  'layer.charging': ['充電', 'じゅうでん', 'Phone charging', '充电', '충전', 'Sạc điện thoại', 'Recarga de celular'],
  'layer.relief-supplies': ['物資配布', 'ものを くばる ところ', 'Relief supplies', '物资发放', '구호물자 배부', 'Phát hàng cứu trợ', 'Distribuição de suprimentos'],
  'layer.offices': ['相談窓口', 'そうだんの まどぐち', 'Help desk', '咨询窗口', '상담 창구', 'Quầy tư vấn', 'Atendimento'],
  'place.open': ['開設中', 'あいて います', 'Open', '开放中', '운영 중', 'Đang mở', 'Aberto'],
  'place.preparing': ['準備中', 'じゅんびちゅう', 'Opening soon', '准备中', '준비 중', 'Sắp mở', 'Em preparação'],
  'place.closed': ['終了', 'おわりました', 'Closed', '已结束', '종료', 'Đã đóng', 'Encerrado'],
  hours: ['時間 {h}', 'じかん {h}', 'Hours {h}', '时间 {h}', '시간 {h}', 'Giờ {h}', 'Horário {h}'],
  away: ['約 {d}', 'やく {d}', '{d} away', '约 {d}', '약 {d}', 'cách {d}', 'a {d}'],
  occupancy: ['避難者 {present} 人 / 定員 {capacity} 人', 'いる ひと {present}にん / はいれる ひと {capacity}にん', '{present} people / room for {capacity}',
    '避难人数 {present} / 容量 {capacity}', '대피자 {present}명 / 정원 {capacity}명', '{present} người / sức chứa {capacity}', '{present} pessoas / capacidade {capacity}'],
  hazardsFor: ['対応する災害: {list}', 'つかえる さいがい: {list}', 'For: {list}', '适用灾害：{list}', '대상 재해: {list}', 'Dùng cho: {list}', 'Para: {list}'],
  areas: ['対象地域: {list}', 'ばしょ: {list}', 'Areas: {list}', '地区：{list}', '대상 지역: {list}', 'Khu vực: {list}', 'Áreas: {list}'],
  sent: ['{t} 発表', '{t} に でました', 'Issued {t}', '{t} 发布', '{t} 발표', 'Ban hành lúc {t}', 'Emitido às {t}'],
  updated: ['{t} 更新', '{t} に こうしん', 'Updated {t}', '{t} 更新', '{t} 업데이트', 'Cập nhật lúc {t}', 'Atualizado às {t}'],
  offline: ['通信できません。{t} 時点の情報を表示しています。', 'つうしん できません。{t} の じょうほうを だして います。',
    'Offline: showing what was known at {t}.', '无法连接：显示的是 {t} 时的信息。', '연결할 수 없습니다. {t} 기준 정보를 표시합니다.',
    'Mất kết nối: đang hiển thị thông tin lúc {t}.', 'Sem conexão: mostrando as informações de {t}.'],
  untranslated: ['原文（日本語）のまま表示しています', 'にほんごの まま です', 'Shown in the original Japanese: no translation',
    '以日文原文显示，未翻译', '일본어 원문 그대로 표시(번역 없음)', 'Hiển thị nguyên văn tiếng Nhật, chưa dịch', 'Mostrado no original em japonês, sem tradução'],
  footer: ['市区町村などが発表した情報です。テレビ・ラジオ・防災無線もあわせて確認してください。',
    'しやくしょ などが だした じょうほう です。テレビ・ラジオも きいて ください。',
    'Published by municipalities and other official issuers. Also follow TV, radio and local loudspeakers.',
    '本信息由市区町村等发布。请同时关注电视、广播和防灾广播。', '시구정촌 등이 발표한 정보입니다. TV·라디오·방재 방송도 함께 확인하세요.',
    'Thông tin do chính quyền địa phương công bố. Hãy theo dõi cả TV, radio và loa phát thanh.',
    'Informações publicadas pelos municípios e outros órgãos oficiais. Acompanhe também a TV, o rádio e os alto-falantes locais.'],
};

const KEY = 'resident.language';

/** The language kept from last time, else the browser's, else Japanese. */
function initial() {
  const kept = localStorage.getItem(KEY);
  if (LANGUAGES.some((l) => l.key === kept)) return kept;
  const browser = (navigator.language || 'ja').toLowerCase();
  return LANGUAGES.find((l) => l.key !== 'ja-x-easy' && browser.startsWith(l.key.toLowerCase().split('-')[0]))?.key ?? 'ja';
}

let current = initial();

export const language = () => LANGUAGES.find((l) => l.key === current);

export function setLanguage(key) {
  current = LANGUAGES.some((l) => l.key === key) ? key : 'ja';
  localStorage.setItem(KEY, current);
}

/** The page's own text for a key, with {name} placeholders filled. */
export function t(key, values = {}) {
  const index = LANGUAGES.findIndex((l) => l.key === current);
  const text = words[key]?.[index] ?? words[key]?.[0] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => values[name] ?? '');
}

/** Fills every element marked data-t with its text in the current language. */
export function translate(root = document) {
  document.documentElement.lang = current;
  for (const el of root.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
}
