package web

import "maps"

// searchMessages are the words of the person-first desk (issue 17 items 2
// and 4): the header's search and its results, the register's differences
// on the e-file and their correction, the menus and home pages by role.
var searchMessages = map[string]map[string]string{
	"purpose.register_values":   {"cnr": "preuzimanje podataka iz registra stanovništva", "en": "taking the population register's values"},
	"purpose.person_correction": {"cnr": "ispravka imena ili adrese", "en": "correction of a name or address"},
}

func init() { maps.Copy(messages, searchMessages) }
