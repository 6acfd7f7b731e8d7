// The series view's own words, in English and Vietnamese (docs/planners.md, "The series view"),
// merged into the dashboard's tables by labels.js; the words it shares with the dashboard
// (reasons, controls, sign-in) are there.

export const SERIES_WORDS = {
  en: {
    seriesPageTitle: "Change between rounds — digital adoption in Lào Cai",
    seriesSkip: "Skip to the change between rounds",
    seriesTitle: "Change between rounds",
    seriesIntro: "For each indicator: every round's estimate with its likely range, against the 2025 target, "
      + "and the change since the first round. \u201cA real change\u201d means the likely range of the change lies "
      + "wholly above or below zero; \u201cno change we can detect\u201d means it includes zero: the indicator may "
      + "have moved a little either way, or not at all.",
    navLabel: "Pages",
    estimatesLink: "Estimates of one round",
    seriesChoice: "Rounds compared",
    seriesName: (instrument, first, last) => `${instrument}, ${first} to ${last}`,
    instruments: { household: "Households", business: "Businesses" },
    roundPeriod: (title, start, end) => `${title}: ${start} to ${end}`,
    roundNumber: (k) => `Round ${k}`,
    byNone: "Province only",
    seriesAdvanced: "Advanced: how the change is worked out",
    pairing: "The two rounds' samples",
    pairingNames: { independent: "Drawn separately (usual)", overlapping: "Same communes revisited" },
    pairingHelp: {
      independent: "Treats the two samples as unrelated: right when each round drew its communes afresh.",
      overlapping: "Counts the communes surveyed in both rounds as the same places. Use it only when the second round revisited the first round's communes by design; otherwise the range can come out wider, not narrower.",
    },
    seriesMeta: (at, counts) => `Updated ${at} · interviews: ${counts}`,
    roundCount: (label, n) => `${label}: ${n}`,
    targetLine: (value) => `Target of the latest round: at least ${value}.`,
    changeFromTo: (from, to) => `From ${from} to ${to}: `,
    comparedOn: (area) => `The change is compared on the former ${area.replace(/^Tỉnh /, "")} area, the only area both rounds covered (the province was merged on 1 July 2025).`,
    up: (amount, isRate) => `up ${amount} ${isRate ? "points" : "units"}`,
    down: (amount, isRate) => `down ${amount} ${isRate ? "points" : "units"}`,
    unchanged: "unchanged",
    changeRange: (level, low, high) => ` (${level} CI ${low} to ${high})`,
    realChange: "a real change",
    noDetectableChange: "no change we can detect",
    changeUnsure: "too few communes to say how sure this is",
    changeWithheld: (round, why) => `The change is not shown: the ${round} estimate is not published (${why}).`,
    changeMissing: (round) => `No change to show: there were no interviews here in ${round}, so there is nothing to compare with.`,
    changeNone: "No interviews here in either round.",
    noInterviewsInRound: "No interviews in this round",
    roundHeader: "Round",
    changeHeader: "Change since the first round",
    seriesChartLabel: (name, byName, hasTarget) => `${name}: every round's estimate with its likely range, `
      + `${byName ? `province-wide and by ${byName}` : "province-wide"}${hasTarget ? ", against the 2025 target" : ""}, `
      + "with the change since the first round.",
    noSeries: "No rounds form a series yet: an administrator puts rounds of the same survey in a series.",
    errorForbiddenSeries: "This token cannot read the change between rounds: a planner or administrator token is needed.",
    errorPairing: "These rounds cannot be compared as the same communes revisited (their samples do not match "
      + "commune by commune). Choose \u201cDrawn separately\u201d under Advanced.",
  },
  vi: {
    seriesPageTitle: "Thay đổi giữa các đợt khảo sát — Chuyển đổi số tại Lào Cai",
    seriesSkip: "Chuyển đến thay đổi giữa các đợt",
    seriesTitle: "Thay đổi giữa các đợt khảo sát",
    seriesIntro: "Với mỗi chỉ số: ước lượng của từng đợt cùng khoảng tin cậy, so với chỉ tiêu 2025, và thay đổi so "
      + "với đợt đầu tiên. \u201cThay đổi thực sự\u201d nghĩa là cả khoảng tin cậy của thay đổi nằm trên hoặc dưới "
      + "số 0; \u201ckhông phát hiện được thay đổi\u201d nghĩa là khoảng đó chứa số 0: chỉ số có thể đã tăng hay "
      + "giảm một chút, hoặc không đổi.",
    navLabel: "Các trang",
    estimatesLink: "Ước lượng từng đợt",
    seriesChoice: "Các đợt được so sánh",
    seriesName: (instrument, first, last) => `${instrument}, ${first} đến ${last}`,
    instruments: { household: "Hộ gia đình", business: "Doanh nghiệp" },
    roundPeriod: (title, start, end) => `${title}: ${start} đến ${end}`,
    roundNumber: (k) => `Đợt ${k}`,
    byNone: "Chỉ toàn tỉnh",
    seriesAdvanced: "Nâng cao: cách tính thay đổi",
    pairing: "Mẫu của hai đợt",
    pairingNames: { independent: "Chọn riêng từng đợt (thông dụng)", overlapping: "Cùng các xã được khảo sát lại" },
    pairingHelp: {
      independent: "Coi hai mẫu là không liên quan: đúng khi mỗi đợt chọn lại các xã từ đầu.",
      overlapping: "Tính các xã được khảo sát ở cả hai đợt là cùng một nơi. Chỉ dùng khi đợt sau được thiết kế để khảo sát lại các xã của đợt trước; nếu không, khoảng tin cậy có thể rộng hơn chứ không hẹp hơn.",
    },
    seriesMeta: (at, counts) => `Cập nhật lúc ${at} · số phiếu: ${counts}`,
    roundCount: (label, n) => `${label}: ${n}`,
    targetLine: (value) => `Chỉ tiêu của đợt gần nhất: ít nhất ${value}.`,
    changeFromTo: (from, to) => `Từ ${from} đến ${to}: `,
    comparedOn: (area) => `Thay đổi được so sánh trên địa bàn ${area.replace(/^Tỉnh /, "tỉnh ")} cũ, địa bàn duy nhất cả hai cuộc khảo sát cùng bao phủ (tỉnh đã hợp nhất từ ngày 1/7/2025).`,
    up: (amount, isRate) => `tăng ${amount} ${isRate ? "điểm phần trăm" : "đơn vị"}`,
    down: (amount, isRate) => `giảm ${amount} ${isRate ? "điểm phần trăm" : "đơn vị"}`,
    unchanged: "không đổi",
    changeRange: (level, low, high) => ` (khoảng tin cậy ${level}: ${low} đến ${high})`,
    realChange: "thay đổi thực sự",
    noDetectableChange: "không phát hiện được thay đổi",
    changeUnsure: "quá ít xã để biết mức chắc chắn",
    changeWithheld: (round, why) => `Không nêu thay đổi: ước lượng đợt ${round} không được công bố (${why}).`,
    changeMissing: (round) => `Không có thay đổi để nêu: đợt ${round} không có phiếu ở đây nên không có gì để so sánh.`,
    changeNone: "Cả hai đợt đều không có phiếu ở đây.",
    noInterviewsInRound: "Đợt này không có phiếu",
    roundHeader: "Đợt",
    changeHeader: "Thay đổi so với đợt đầu",
    seriesChartLabel: (name, byName, hasTarget) => `${name}: ước lượng của từng đợt với khoảng tin cậy, `
      + `${byName ? `toàn tỉnh và theo ${byName}` : "toàn tỉnh"}${hasTarget ? ", so với chỉ tiêu 2025" : ""}, `
      + "cùng thay đổi so với đợt đầu tiên.",
    noSeries: "Chưa có đợt khảo sát nào thuộc một chuỗi: quản trị viên xếp các đợt của cùng một cuộc khảo sát vào một chuỗi.",
    errorForbiddenSeries: "Mã này không được xem thay đổi giữa các đợt: cần mã của cán bộ kế hoạch hoặc quản trị.",
    errorPairing: "Không so sánh được hai đợt này như cùng các xã được khảo sát lại (mẫu của hai đợt không khớp "
      + "theo từng xã). Hãy chọn \u201cChọn riêng từng đợt\u201d trong phần Nâng cao.",
  },
};
