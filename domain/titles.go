package domain

// TitleCnr is the official title of a role, in Montenegrin, as a decision
// names the person who prepared or approved it (issue 16: a decision is
// signed by the authorised official with their title, never a username).
func (r Role) TitleCnr() string {
	switch r {
	case RoleCaseworker:
		return "stručni radnik"
	case RoleSupervisor:
		return "rukovodilac stručnog tima"
	case RoleCentreHead:
		return "direktor centra za socijalni rad"
	case RoleDVCaseworker:
		return "stručni radnik za zaštitu od nasilja u porodici"
	case RoleDVSupervisor:
		return "rukovodilac tima za zaštitu od nasilja u porodici"
	case RoleFinanceOfficer:
		return "službenik za finansije"
	case RoleMinistryAnalyst:
		return "analitičar Ministarstva"
	case RoleMinistryOfficer:
		return "službenik Ministarstva"
	case RoleAppealsOfficer:
		return "službenik Ministarstva za drugostepeni postupak"
	}
	return "ovlašćeno službeno lice"
}
