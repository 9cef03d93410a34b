package web

import (
	"fmt"
)

// messages is the one catalogue of page text, in Bahasa Indonesia:
// polite ("Anda"), short, in the user's words. Templates read it through
// {{t "key"}}, Go code through msg; a key that is not here fails the page
// (and so its test) rather than showing a key to a person.
var messages = map[string]string{
	"site.name":       "Kemitraan",
	"site.tagline":    "Kemitraan industri besar dengan IKM Kabupaten Bekasi",
	"layout.skip":     "Langsung ke isi",
	"layout.nav":      "Menu utama",
	"nav.home":        "Beranda",
	"nav.login":       "Masuk",
	"nav.logout":      "Keluar",
	"nav.password":    "Ubah kata sandi",
	"footer.contact":  "Hubungi kami",
	"footer.phone":    "Telepon",
	"footer.whatsapp": "WhatsApp",
	"footer.email":    "Surel",
	"footer.hours":    "Jam layanan",
	"footer.website":  "Situs web",

	"error.prefix":       "Galat: ",
	"error.summary":      "Ada yang perlu diperbaiki",
	"error.csrf":         "Formulir ini sudah kedaluwarsa atau tidak dikirim dari halaman ini. Muat ulang halaman, lalu kirim lagi.",
	"error.400.title":    "Permintaan tidak dapat diproses",
	"error.400.detail":   "Permintaan ini tidak dapat kami proses. Periksa kembali isian Anda.",
	"error.403.title":    "Anda tidak berhak membuka halaman ini",
	"error.403.detail":   "Akun Anda tidak berhak membuka halaman ini atau melakukan tindakan ini.",
	"error.404.title":    "Halaman tidak ditemukan",
	"error.404.detail":   "Alamat yang Anda buka tidak ada. Periksa kembali alamatnya, atau mulai dari beranda.",
	"error.500.title":    "Terjadi kesalahan pada sistem",
	"error.500.detail":   "Maaf, ada kesalahan pada sistem kami. Coba lagi beberapa saat lagi. Bila berulang, hubungi kami.",
	"error.503.title":    "Layanan sedang sibuk",
	"error.503.detail":   "Layanan sedang sibuk atau dalam pemeliharaan. Tidak ada yang tersimpan; coba lagi sebentar lagi.",
	"error.retry_after":  "Coba lagi setelah %d detik.",
	"error.back_home":    "Kembali ke beranda",
	"error.contact_help": "Bila Anda memerlukan bantuan, hubungi Dinas:",

	"login.title":      "Masuk",
	"login.intro":      "Masuk dengan nama pengguna dan kata sandi yang diberikan Dinas.",
	"login.username":   "Nama pengguna",
	"login.password":   "Kata sandi",
	"login.submit":     "Masuk",
	"login.expired":    "Sesi Anda telah berakhir. Silakan masuk kembali.",
	"login.logged_out": "Anda sudah keluar.",
	"login.no_account": "Belum punya akun? Perusahaan dan IKM mendapat akun dari Dinas. Untuk mengonfirmasi pembelian, IKM cukup membuka tautan yang dikirim kepadanya; tidak perlu akun.",

	"password.title":    "Ubah kata sandi",
	"password.current":  "Kata sandi sekarang",
	"password.new":      "Kata sandi baru",
	"password.new_hint": "Paling sedikit 12 karakter. Gunakan beberapa kata yang mudah Anda ingat.",
	"password.confirm":  "Ulangi kata sandi baru",
	"password.mismatch": "tidak sama dengan kata sandi baru",
	"password.submit":   "Simpan kata sandi baru",
	"password.changed":  "Kata sandi Anda sudah diubah. Sesi lain yang masih terbuka sudah diakhiri.",

	"confirm.question":        "Apakah pembelian ini benar?",
	"confirm.intro":           "%s melaporkan telah membeli dari usaha Anda. Mohon periksa dan jawab.",
	"confirm.for":             "Ditujukan kepada",
	"confirm.business":        "Pembeli",
	"confirm.invoice":         "Nomor faktur",
	"confirm.date":            "Tanggal pembelian",
	"confirm.goods":           "Barang atau jasa",
	"confirm.quantity":        "Jumlah",
	"confirm.amount":          "Nilai",
	"confirm.deadline":        "Mohon jawab sebelum %s.",
	"confirm.answer":          "Jawaban Anda",
	"confirm.right":           "Benar",
	"confirm.right_hint":      "Pembelian ini memang terjadi seperti tertulis di atas.",
	"confirm.wrong":           "Tidak sesuai",
	"confirm.wrong_hint":      "Ada yang salah, atau pembelian ini tidak pernah terjadi.",
	"confirm.unsure":          "Saya tidak yakin",
	"confirm.unsure_hint":     "Anda ingin bertanya dulu kepada Dinas.",
	"confirm.reason":          "Alasan",
	"confirm.reason_hint":     "Wajib diisi bila Anda memilih Tidak sesuai. Misalnya: nilainya seharusnya Rp2.000.000.",
	"confirm.submit":          "Kirim jawaban",
	"confirm.answer_required": "Pilih salah satu jawaban: Benar, Tidak sesuai, atau Saya tidak yakin",
	"confirm.reason_required": "Tulis alasannya: apa yang tidak sesuai",
	"confirm.reason_too_long": "Alasan paling banyak 1.000 karakter",
	"confirm.thanks":          "Terima kasih, jawaban Anda sudah kami terima",
	"confirm.reference":       "Nomor rujukan",
	"confirm.next":            "Apa selanjutnya",
	"confirm.next.confirmed":  "Pembelian ini dihitung sebagai pembelian dari IKM untuk %s. Anda tidak perlu melakukan apa pun lagi.",
	"confirm.next.disputed":   "Petugas Dinas akan memeriksa pembelian ini bersama %s dan dapat menghubungi Anda. Pembelian ini tidak dihitung selama diperiksa.",
	"confirm.print":           "Simpan atau cetak halaman ini sebagai tanda terima.",
	"confirm.used.title":      "Pembelian ini sudah dijawab",
	"confirm.used.confirmed":  "Pembelian ini sudah dikonfirmasi benar pada %s.",
	"confirm.used.disputed":   "Pembelian ini sudah dinyatakan tidak sesuai pada %s.",
	"confirm.used.reason":     "Alasan yang diberikan",
	"confirm.used.other":      "Pembelian ini sudah tidak menunggu jawaban Anda (statusnya: %s).",
	"confirm.used.change":     "Bila jawaban itu keliru, hubungi Dinas dengan menyebut nomor rujukan di atas.",
	"confirm.expired.title":   "Tautan ini sudah tidak berlaku",
	"confirm.expired.body":    "Batas waktu menjawab sudah lewat pada %s. Bila Anda ingin menyampaikan bahwa pembelian ini benar atau tidak sesuai, hubungi Dinas dengan menyebut nomor rujukan ini.",
	"confirm.unsure.title":    "Tanyakan dulu kepada Dinas",
	"confirm.unsure.body":     "Tidak apa-apa. Jawaban Anda belum kami catat, dan tautan ini masih bisa dipakai sampai %s. Hubungi petugas Dinas dan sebutkan nomor rujukan di bawah ini.",
	"confirm.unsure.back":     "Kembali ke pertanyaan",
	"confirm.unknown.title":   "Tautan tidak dikenal",
	"confirm.unknown.body":    "Tautan ini tidak kami kenali. Mungkin alamatnya terpotong saat disalin. Buka lagi tautan dari pesan yang Anda terima, atau hubungi Dinas.",
	"confirm.via.link":        "lewat tautan ini",
	"confirm.via.app":         "lewat akun IKM",
	"confirm.via.officer":     "oleh petugas Dinas",

	"status.reported":  "menunggu konfirmasi",
	"status.confirmed": "dikonfirmasi",
	"status.disputed":  "disanggah",
	"status.rejected":  "ditolak petugas",
	"status.withdrawn": "ditarik perusahaan",

	"home.title":         "Kemitraan industri besar dengan IKM Kabupaten Bekasi",
	"home.lead":          "Peraturan Bupati Bekasi meminta kawasan industri, pabrik, hotel, restoran dan pusat perbelanjaan bermitra dengan industri kecil dan menengah (IKM) setempat: membeli produk mereka dan memberi mereka tempat berjualan.",
	"home.why":           "Mengapa",
	"home.why_body":      "Dari sekitar 1.400 IKM yang terdaftar, hanya sekitar 300 yang masih aktif, karena sulit menjangkau pembeli. Kemitraan dengan usaha besar membuka pasar itu.",
	"home.who":           "Untuk siapa situs ini",
	"home.who_business":  "Perusahaan mencatat perjanjian kemitraan dan melaporkan pembelian dari IKM.",
	"home.who_ikm":       "IKM mengonfirmasi pembelian yang dilaporkan, lewat tautan yang dikirim kepadanya.",
	"home.who_dinas":     "Petugas Dinas menilai kepatuhan setiap periode dan menindaklanjuti kekurangannya.",
	"home.who_public":    "Masyarakat melihat hasil program ini.",
	"home.figures":       "Hasil %s",
	"home.results":       "Hasil program",
	"home.no_figures":    "Belum ada periode yang dinilai.",
	"home.compliance":    "Usaha yang patuh",
	"home.compliance_of": "dari %s usaha yang dinilai",
	"home.bought":        "Dibeli dari IKM",
	"home.bought_note":   "pembelian yang dikonfirmasi IKM",
	"home.active_share":  "IKM aktif",
	"home.active_of":     "%s dari %s IKM terdaftar; saat program dimulai %s",
	"home.not_available": "belum ada",
	"home.login_prompt":  "Perusahaan, IKM dan petugas Dinas:",
	"home.login_link":    "masuk ke aplikasi",
}

// translate is the template function t: the message for key, with args
// put in its %s and %d.
func translate(key string, args ...any) (string, error) {
	m, ok := messages[key]
	if !ok {
		return "", fmt.Errorf("web: no message %q", key)
	}
	if len(args) > 0 {
		m = fmt.Sprintf(m, args...)
	}
	return m, nil
}

// msg is the message for key, for Go code; a missing key is a programming
// error the tests catch.
func msg(key string, args ...any) string {
	m, err := translate(key, args...)
	if err != nil {
		panic(err)
	}
	return m
}
