package templates

// The catalogue of certificate types: ANPR table 13, names and codes.
var types = []*Type{
	{
		Name: "residenza", Code: 8, Title: "CERTIFICATO DI RESIDENZA",
		Certifies:   "The holder's registered residence (address) in the issuing comune.",
		ValidMonths: 6, body: residenzaBody,
	},
	{
		Name: "stato_famiglia", Code: 12, Title: "CERTIFICATO DI STATO DI FAMIGLIA",
		Certifies:   "The composition of the holder's registered household and each member's relationship to its head.",
		ValidMonths: 6, body: statoFamigliaBody,
	},
}
