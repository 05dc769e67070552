"""The demo's publicity (宣传), as the report tells it: posters floor by floor and building by building (most
buildings done, some half done, a few not started), banners along the shop streets, a letter to residents on
the notice boards, and the three short videos the residents made ("我在开元，我承诺…", "勤洗手，多开窗，戴口罩",
"不传谣、不信谣、不造谣") spread through the party members', group leaders' and buildings' WeChat groups, the
official account and Moments. Written in bulk (the site-wide tests load the demo many times); the materials
go through publicity.actions like any other.
"""

from datetime import timedelta

from alleykeeper.demo import data as plan
from alleykeeper.publicity import actions
from alleykeeper.publicity.models import (
    Channel,
    ChannelKind,
    Distribution,
    FloorPosting,
    MaterialKind,
    PostingSheet,
    ReachUnit,
)
from alleykeeper.registry.models import Alley, Building, Grid

VIDEOS = (
    (MaterialKind.COMMITMENT, "我在开元，我承诺…", "居民自己拍的承诺短视频：不串门、不聚集、如实报告行程。"),
    (MaterialKind.VIDEO, "勤洗手，多开窗，戴口罩", "居民拍摄的防护知识短视频。"),
    (MaterialKind.VIDEO, "不传谣、不信谣、不造谣", "居民拍摄的短视频，请转发给左邻右舍和亲朋好友。"),
)
FLOORS = {"lane": (2, 3), "street": (3, 5), "estate": (6, 7)}
STYLE = {alley.name: alley.style for grid in plan.GRIDS for alley in grid.alleys}


def publicity(demo) -> str:
    community, today, now, rng = demo.community, demo.today, demo.now, demo.rng
    admin, volunteers = demo.users["chenyl"], [demo.users["lixd"], demo.users["zhangyt"]]
    workers = {p.grid: demo.users[p.username] for p in plan.STAFF if p.grid}

    def material(kind: str, title: str, start: int, end: int | None = None, description: str = "", link: str = ""):
        data = {
            "community": community,
            "kind": kind,
            "title": title,
            "description": description,
            "link": link,
            "start_date": today - timedelta(days=start),
            "end_date": None if end is None else today - timedelta(days=end),
        }
        return actions.save_material(admin, None, data)

    poster = material(MaterialKind.POSTER, "疫情防控告知：出入登记、测温、戴口罩", 20, description="逐层逐栋张贴。")
    letter = material(MaterialKind.NOTICE, "致开元社区居民的一封信", 18, description="贴在宣传栏和每栋楼的楼道口。")
    banner = material(MaterialKind.BANNER, "众志成城，抗击疫情", 22, description="挂在主要街巷路口。")
    material(MaterialKind.POSTER, "春节期间减少走亲访友", 40, 21)
    videos = [material(kind, title, 12 - 3 * n, description=text) for n, (kind, title, text) in enumerate(VIDEOS)]

    buildings = list(
        Building.objects.filter(alley__grid__community=community).select_related("alley__grid").order_by("pk")
    )
    grids = list(Grid.objects.filter(community=community))
    alleys = list(Alley.objects.filter(grid__community=community).order_by("pk"))
    channels = [
        Channel(community=community, kind=ChannelKind.PARTY_GROUP, name="开元社区党员群", members=186),
        Channel(community=community, kind=ChannelKind.LEADERS_GROUP, name="开元社区居民组长群", members=42),
        Channel(community=community, kind=ChannelKind.OFFICIAL_ACCOUNT, name="开元社区公众号", members=3260),
        Channel(community=community, kind=ChannelKind.MOMENTS, name="社区工作者朋友圈"),
        Channel(
            community=community, kind=ChannelKind.NOTICE_BOARD, name="开元盛世广场宣传栏", place="开元盛世广场北门"
        ),
        *[
            Channel(community=community, kind=ChannelKind.GRID_GROUP, name=f"{g.name}群", grid=g, members=80 + 10 * n)
            for n, g in enumerate(grids)
        ],
        *[
            Channel(community=community, kind=ChannelKind.LOUDSPEAKER, name=f"{a.name}流动喇叭", alley=a)
            for a in alleys[:3]
        ],
    ]
    # The estates' and streets' buildings have WeChat groups; the lanes' old houses mostly not.
    grouped = [b for b in buildings if STYLE.get(b.alley.name) != "lane" or rng.random() < 0.2]
    channels += [
        Channel(
            community=community,
            kind=ChannelKind.BUILDING_GROUP,
            name=f"{b.alley.name}{b.name}楼栋群",
            building=b,
            members=rng.randint(12, 60),
        )
        for b in grouped
    ]
    Channel.objects.bulk_create(channels)
    channels = list(Channel.objects.filter(community=community))

    rows = []
    for n, video in enumerate(videos):
        for channel in channels:
            if channel.kind == ChannelKind.BUILDING_GROUP and (n == 2 and rng.random() < 0.4):
                continue  # the newest video has not reached every building's group yet
            if channel.kind in (ChannelKind.NOTICE_BOARD, ChannelKind.LOUDSPEAKER):
                continue
            members = channel.members is not None
            rows.append(
                Distribution(
                    community=community,
                    material=video,
                    channel=channel,
                    at=demo.at(video.start_date, 20, rng.randrange(60)),
                    by=admin if channel.building_id is None else workers[channel.building.alley.grid.name],
                    reach=channel.members if members else rng.randint(300, 1500),
                    reach_unit=ReachUnit.MEMBERS if members else ReachUnit.VIEWS,
                    recorded_at=now,
                )
            )
    for channel in channels:
        if channel.kind in (ChannelKind.NOTICE_BOARD, ChannelKind.LOUDSPEAKER):
            rows.append(
                Distribution(
                    community=community,
                    material=letter,
                    channel=channel,
                    at=demo.at(letter.start_date, 9),
                    by=admin,
                    recorded_at=now,
                )
            )
    for alley in alleys:
        if STYLE.get(alley.name) == "street":
            rows.append(
                Distribution(
                    community=community,
                    material=banner,
                    alley=alley,
                    at=demo.at(banner.start_date, 10),
                    by=admin,
                    note="路口横幅 2 条",
                    recorded_at=now,
                )
            )
    Distribution.objects.bulk_create(rows)

    # Posters floor by floor: most buildings done, some half done, a few not started (no sheet yet).
    sheets, plan_floors = [], {}
    for building in buildings:
        roll = rng.random()
        if roll < 0.08:
            continue
        low, high = FLOORS.get(STYLE.get(building.alley.name, "lane"), (2, 3))
        floors = rng.randint(low, high)
        done = floors if roll < 0.8 else rng.randint(0, floors - 1)
        plan_floors[building.pk] = (done, floors)
        sheets.append(PostingSheet(material=poster, building=building, floors=floors, created_at=now))
    PostingSheet.objects.bulk_create(sheets)
    postings = []
    for sheet in PostingSheet.objects.filter(material=poster).select_related("building__alley__grid"):
        grid = sheet.building.alley.grid.name
        who = [workers[grid], *volunteers]
        started = demo.at(poster.start_date + timedelta(days=rng.randint(0, 6)), 9)
        for floor in range(1, plan_floors[sheet.building_id][0] + 1):
            at = started + timedelta(minutes=4 * floor)
            postings.append(FloorPosting(sheet=sheet, floor=floor, posted_by=rng.choice(who), posted_at=min(at, now)))
    FloorPosting.objects.bulk_create(postings)
    done = sum(1 for posted, floors in plan_floors.values() if posted == floors)
    return f"宣传：{len(videos) + 4} 份材料，{len(channels)} 个渠道，{len(rows)} 次发布，{len(sheets)} 栋楼逐层张贴（{done} 栋已贴完）。"
